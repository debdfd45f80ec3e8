"""What runs inside simulated containers: a busybox-like shell, its applets and filesystem.

`shell.run(argv, ctx)` runs a container's command on virtual time; `filesystem.FileSystem` is
the container's in-memory files; `shell_api` holds the contract (context, network protocol).
"""
