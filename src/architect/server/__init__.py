"""The gRPC server: services, interceptors, health, reflection, lifecycle."""
