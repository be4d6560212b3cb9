# No silent failure: an event that EventBridge could not deliver, or a controller with no healthy
# target, raises an alarm (actions: var.alarm_actions).

resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  alarm_name          = "${var.name}-undelivered-events"
  alarm_description   = "ECS task events that EventBridge could not deliver to ecs-mesh-controller are in ${aws_sqs_queue.dead_letter.name}. Fix the cause, then redrive them (README: Deploy on AWS)."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dead_letter.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = local.tags
}

resource "aws_cloudwatch_metric_alarm" "no_healthy_controller" {
  alarm_name          = "${var.name}-no-healthy-target"
  alarm_description   = "The ecs-mesh-controller target group has had no healthy target for 5 minutes; EventBridge is retrying (and will dead-letter after the retry policy runs out)."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HealthyHostCount"
  dimensions          = { TargetGroup = aws_lb_target_group.controller.arn_suffix, LoadBalancer = aws_lb.public.arn_suffix }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = local.tags
}
