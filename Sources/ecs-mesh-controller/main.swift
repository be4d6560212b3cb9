print("ecs-mesh-controller")
