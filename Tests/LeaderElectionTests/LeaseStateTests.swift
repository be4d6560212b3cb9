import LeaderElection
import Testing

@Suite struct LeaseStateTests {
    /// This process in the lease row: replica "a", instance …a1.
    static let a = LeaseHolder.id(replicaID: "a", instanceID: "00000000000000a1")

    /// 10 s lease, 2 s renewals, 1 s margin; replica "a" as process ``a``.
    private func state() throws -> LeaseState {
        LeaseState(configuration: try LeaseConfiguration(replicaID: "a", leaseDuration: .seconds(10),
                                                        renewInterval: .seconds(2), instanceID: "00000000000000a1"))
    }

    /// A granted lease makes the replica leader until send instant + lease − margin.
    @Test func renewalAnswered_whenGrantedToThisReplica_leadsUntilSendPlusLeaseMinusMargin() throws {
        // Given
        var lease = try state()
        // When: sent at 5 s, answered at 5.2 s
        let transition = lease.renewalAnswered(LeaseRecord(holder: Self.a, epoch: 3), sentAt: .seconds(5),
                                               now: .milliseconds(5200))
        // Then
        #expect(transition == .becameLeader(epoch: 3))
        #expect(lease.role == .leader && lease.epoch == 3 && lease.leaderID == "a")
        #expect(lease.deadline == .seconds(14))
        #expect(lease.isLeading(at: .milliseconds(13_999)))
        #expect(!lease.isLeading(at: .seconds(14)))
    }

    /// A renewal in the same epoch moves the deadline and keeps the term.
    @Test func renewalAnswered_whenSameEpoch_renewsAndMovesDeadline() throws {
        var lease = try state()
        _ = lease.renewalAnswered(LeaseRecord(holder: Self.a, epoch: 1), sentAt: .zero, now: .zero)
        let transition = lease.renewalAnswered(LeaseRecord(holder: Self.a, epoch: 1), sentAt: .seconds(2),
                                               now: .seconds(3))
        #expect(transition == .renewed(epoch: 1))
        #expect(lease.deadline == .seconds(11))
    }

    /// An answer that arrives after the lease it grants would end grants nothing.
    @Test func renewalAnswered_whenAnswerArrivesPastItsDeadline_doesNotLead() throws {
        var lease = try state()
        let transition = lease.renewalAnswered(LeaseRecord(holder: Self.a, epoch: 1), sentAt: .zero, now: .seconds(9))
        #expect(transition == .unchanged)
        #expect(lease.role == .follower && !lease.isLeading(at: .seconds(9)))
    }

    /// A leader whose renewal answer comes back too late steps down.
    @Test func renewalAnswered_whenLeaderAnswerArrivesLate_stepsDown() throws {
        var lease = try state()
        _ = lease.renewalAnswered(LeaseRecord(holder: Self.a, epoch: 1), sentAt: .zero, now: .zero)
        let transition = lease.renewalAnswered(LeaseRecord(holder: Self.a, epoch: 1), sentAt: .seconds(2),
                                               now: .seconds(12))
        #expect(transition == .lostLeadership(.deadlinePassed))
        #expect(lease.role == .follower && lease.epoch == nil && lease.deadline == nil)
    }

    /// Another holder in the store ends this replica's term at once.
    @Test func renewalAnswered_whenAnotherReplicaHolds_stepsDownAndNamesIt() throws {
        var lease = try state()
        _ = lease.renewalAnswered(LeaseRecord(holder: Self.a, epoch: 1), sentAt: .zero, now: .zero)
        let record = LeaseRecord(holder: "b", epoch: 2)
        let transition = lease.renewalAnswered(record, sentAt: .seconds(2), now: .seconds(2))
        #expect(transition == .lostLeadership(.superseded(record)))
        #expect(lease.role == .follower && lease.leaderID == "b" && lease.observed?.epoch == 2)
    }

    /// A follower that sees another holder only notes it.
    @Test func renewalAnswered_whenFollowerSeesAnotherHolder_isUnchanged() throws {
        var lease = try state()
        #expect(lease.renewalAnswered(LeaseRecord(holder: "b", epoch: 4), sentAt: .zero, now: .zero) == .unchanged)
        #expect(lease.leaderID == "b" && lease.role == .follower)
    }

    /// Its own lease in a newer epoch means its old term ended meanwhile: step down first.
    @Test func renewalAnswered_whenOwnLeaseInNewerEpoch_stepsDownThenLeadsNewTermNextTime() throws {
        var lease = try state()
        _ = lease.renewalAnswered(LeaseRecord(holder: Self.a, epoch: 1), sentAt: .zero, now: .zero)
        let newer = LeaseRecord(holder: Self.a, epoch: 2)
        #expect(lease.renewalAnswered(newer, sentAt: .seconds(2), now: .seconds(2)) == .lostLeadership(.superseded(newer)))
        #expect(lease.renewalAnswered(newer, sentAt: .seconds(4), now: .seconds(4)) == .becameLeader(epoch: 2))
    }

    /// A failing store leaves the lease valid until its deadline, and ends it there.
    @Test func renewalFailed_keepsLeadingUntilDeadline_thenStepsDown() throws {
        var lease = try state()
        _ = lease.renewalAnswered(LeaseRecord(holder: Self.a, epoch: 1), sentAt: .zero, now: .zero)
        #expect(lease.renewalFailed(now: .seconds(8)) == .unchanged)
        #expect(lease.isLeading(at: .seconds(8)))
        #expect(lease.renewalFailed(now: .seconds(9)) == .lostLeadership(.deadlinePassed))
        #expect(!lease.isLeading(at: .seconds(9)))
    }

    /// A paused leader that resumes past its deadline leads no more, before any renewal answers.
    @Test func expire_whenResumedPastDeadline_stepsDownAndLaterAnswerKeepsItFollower() throws {
        // Given: leading in epoch 1 with deadline 9 s
        var lease = try state()
        _ = lease.renewalAnswered(LeaseRecord(holder: Self.a, epoch: 1), sentAt: .zero, now: .zero)
        // When: the process resumes at 30 s
        #expect(!lease.isLeading(at: .seconds(30)))
        #expect(lease.expire(now: .seconds(30)) == .lostLeadership(.deadlinePassed))
        // Then: the renewal it sends now finds b in epoch 2
        #expect(lease.renewalAnswered(LeaseRecord(holder: "b", epoch: 2), sentAt: .seconds(30), now: .seconds(30))
                == .unchanged)
        #expect(lease.role == .follower && lease.leaderID == "b")
    }

    /// A follower has nothing to expire.
    @Test func expire_whenFollower_isUnchanged() throws {
        var lease = try state()
        #expect(lease.expire(now: .seconds(100)) == .unchanged)
    }

    /// Another process with the same replica ID (a restart, or a replacement started while this one
    /// runs) is another holder: a follower does not take its lease, and a leader steps down.
    @Test func renewalAnswered_whenSameReplicaIDOtherInstance_isAnotherHolder() throws {
        let restarted = LeaseRecord(holder: LeaseHolder.id(replicaID: "a", instanceID: "00000000000000a2"), epoch: 2)
        var follower = try state()
        #expect(follower.renewalAnswered(restarted, sentAt: .zero, now: .zero) == .unchanged)
        #expect(follower.role == .follower && follower.leaderID == "a")
        var leader = try state()
        _ = leader.renewalAnswered(LeaseRecord(holder: Self.a, epoch: 1), sentAt: .zero, now: .zero)
        #expect(leader.renewalAnswered(restarted, sentAt: .seconds(2), now: .seconds(2))
                == .lostLeadership(.superseded(restarted)))
    }

    /// The holder names the replica as configured; a holder without an instance (written before
    /// instances existed) is its own replica ID.
    @Test func leaseHolder_replicaID_stripsOnlyTheInstance() throws {
        let instance = LeaseHolder.newInstanceID()
        #expect(instance.count == 16 && instance != LeaseHolder.newInstanceID())
        #expect(LeaseHolder.replicaID(of: LeaseHolder.id(replicaID: "web#1", instanceID: instance)) == "web#1")
        #expect(LeaseHolder.replicaID(of: "web#1") == "web#1")
        #expect(LeaseRecord(holder: "b", epoch: 1).replicaID == "b")
        let first = try LeaseConfiguration(replicaID: "a")
        let second = try LeaseConfiguration(replicaID: "a")
        #expect(first.holderID != second.holderID && LeaseHolder.replicaID(of: first.holderID) == "a")
    }

    /// Releasing ends a term; releasing as a follower does nothing.
    @Test func release_whenLeading_stepsDown_whenFollowing_isUnchanged() throws {
        var lease = try state()
        #expect(lease.release() == .unchanged)
        _ = lease.renewalAnswered(LeaseRecord(holder: Self.a, epoch: 1), sentAt: .zero, now: .zero)
        #expect(lease.release() == .lostLeadership(.released))
        #expect(!lease.isLeading(at: .zero))
    }

    /// The shell wakes at the next renewal, or earlier at the deadline.
    @Test func nextWake_isRenewalOrDeadlineWhicheverComesFirst() throws {
        var lease = try state()
        #expect(lease.nextWake(lastSent: .seconds(1)) == .seconds(3))
        _ = lease.renewalAnswered(LeaseRecord(holder: Self.a, epoch: 1), sentAt: .zero, now: .zero)
        #expect(lease.nextWake(lastSent: .seconds(1)) == .seconds(3))
        #expect(lease.nextWake(lastSent: .seconds(8)) == .seconds(9))
    }

    /// A late renewal never moves the deadline backwards.
    @Test func renewalAnswered_whenOlderSendAnsweredAfterNewer_keepsLaterDeadline() throws {
        var lease = try state()
        _ = lease.renewalAnswered(LeaseRecord(holder: Self.a, epoch: 1), sentAt: .seconds(4), now: .seconds(4))
        _ = lease.renewalAnswered(LeaseRecord(holder: Self.a, epoch: 1), sentAt: .seconds(2), now: .seconds(5))
        #expect(lease.deadline == .seconds(13))
    }

    /// Settings that cannot work are refused, naming what is wrong.
    @Test func configuration_whenUnusable_throws() {
        #expect(throws: LeaseConfigurationError.replicaID) { try LeaseConfiguration(replicaID: "") }
        #expect(throws: LeaseConfigurationError.renewInterval) {
            try LeaseConfiguration(replicaID: "a", renewInterval: .zero)
        }
        #expect(throws: LeaseConfigurationError.leaseDuration) {
            try LeaseConfiguration(replicaID: "a", leaseDuration: .seconds(3), renewInterval: .seconds(2))
        }
        #expect((try? LeaseConfiguration(replicaID: "a"))?.safetyMargin == .seconds(1))
    }
}
