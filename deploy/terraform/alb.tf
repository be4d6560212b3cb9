# The public listener: an internet-facing ALB terminating TLS for EventBridge and the heartbeat
# sidecars, forwarding only the controller's public routes.

resource "aws_lb" "public" {
  #checkov:skip=CKV2_AWS_28:A WAF web ACL is optional (var.waf_web_acl_arn). The only forwarded routes are authenticated (API key, per-service Consul token) or health probes.
  #checkov:skip=CKV2_AWS_76:Follows from the optional WAF (CKV2_AWS_28); the Log4j rule set protects Java, and the controller is Swift.
  #checkov:skip=CKV_AWS_91:Access logs are optional (var.alb_access_logs_bucket); the bucket and its ELB policy belong to the caller.
  name                       = var.name
  load_balancer_type         = "application"
  internal                   = false
  ip_address_type            = "ipv4"
  security_groups            = [aws_security_group.alb.id]
  subnets                    = var.public_subnet_ids
  drop_invalid_header_fields = true
  desync_mitigation_mode     = "strictest"
  enable_deletion_protection = var.alb_deletion_protection
  idle_timeout               = 60

  dynamic "access_logs" {
    for_each = var.alb_access_logs_bucket == null ? [] : [var.alb_access_logs_bucket]

    content {
      bucket  = access_logs.value
      prefix  = var.alb_access_logs_prefix
      enabled = true
    }
  }

  tags = local.tags
}

resource "aws_lb_target_group" "controller" {
  #checkov:skip=CKV_AWS_378:TLS ends at the ALB; ALB-to-task traffic stays inside the VPC and the task security group admits only the ALB. The controller's evhttp listener speaks plain HTTP.
  name                 = var.name
  port                 = local.public_port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = 15

  health_check {
    enabled  = true
    protocol = "HTTP"
    # Readiness, not liveness: a task that is draining or cannot reach its journal gets no traffic.
    path                = "/readyz"
    port                = "traffic-port"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  tags = local.tags
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.public.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.alb_ssl_policy
  certificate_arn   = var.acm_certificate_arn

  # Anything but the controller's public routes ends here.
  default_action {
    type = "fixed-response"

    fixed_response {
      content_type = "application/json"
      message_body = jsonencode({ title = "Not Found", status = 404 })
      status_code  = "404"
    }
  }

  tags = local.tags
}

resource "aws_lb_listener_rule" "ingest" {
  listener_arn = aws_lb_listener.https.arn
  priority     = 10

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.controller.arn
  }

  condition {
    path_pattern {
      values = ["/v1/events", "/v1/heartbeats"]
    }
  }

  condition {
    http_request_method {
      values = ["POST"]
    }
  }

  tags = local.tags
}

resource "aws_lb_listener_rule" "probes" {
  listener_arn = aws_lb_listener.https.arn
  priority     = 20

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.controller.arn
  }

  condition {
    path_pattern {
      values = ["/healthz", "/readyz"]
    }
  }

  condition {
    http_request_method {
      values = ["GET", "HEAD"]
    }
  }

  tags = local.tags
}

resource "aws_lb_listener" "http_redirect" {
  count = var.enable_http_redirect ? 1 : 0

  load_balancer_arn = aws_lb.public.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"

    redirect {
      protocol    = "HTTPS"
      port        = "443"
      status_code = "HTTP_301"
    }
  }

  tags = local.tags
}

resource "aws_wafv2_web_acl_association" "public" {
  count = var.waf_web_acl_arn == null ? 0 : 1

  resource_arn = aws_lb.public.arn
  web_acl_arn  = var.waf_web_acl_arn
}

resource "aws_route53_record" "webhook" {
  count = var.route53_zone_id == null ? 0 : 1

  zone_id = var.route53_zone_id
  name    = var.domain_name
  type    = "A"

  alias {
    name                   = aws_lb.public.dns_name
    zone_id                = aws_lb.public.zone_id
    evaluate_target_health = false
  }
}
