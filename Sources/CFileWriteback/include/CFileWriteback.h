#ifndef C_FILE_WRITEBACK_H
#define C_FILE_WRITEBACK_H

/// Asks the kernel to start writing a file's dirty pages to the device, without waiting for them
/// (Linux `sync_file_range(SYNC_FILE_RANGE_WRITE)`; Swift's Glibc module does not export it because
/// it needs `_GNU_SOURCE`). Not a durability barrier: a later fsync still decides what is durable.
/// Returns 0, or -1 with `errno` set; a no-op returning 0 where the call does not exist.
int cfilewriteback_start(int fd);

#endif
