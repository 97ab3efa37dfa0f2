#!/usr/bin/env python3
"""What a service manager does for procmgrd, for tests/daemon/activation.sh.

  sdtools.py activate [--stream] [--nfds N] [--other-pid] SOCKET -- PROGRAM ARGS
      bind and listen on SOCKET (SOCK_SEQPACKET, or SOCK_STREAM with
      --stream), put it at fd 3 (and N - 1 more copies after it), set
      LISTEN_FDS, LISTEN_PID (our pid, which PROGRAM keeps: exec in place;
      with --other-pid, a pid that is not PROGRAM's) and LISTEN_FDNAMES,
      then exec PROGRAM -- as systemd does for a socket unit.
  sdtools.py listen ADDRESS FILE
      receive datagrams on the AF_UNIX address (a path, or @NAME for an
      abstract socket, as $NOTIFY_SOCKET writes it) and append each to FILE
      followed by a line "--" -- a notify socket, or /dev/log.
"""
import os
import socket
import sys


def activate(args):
    kind, nfds, other = socket.SOCK_SEQPACKET, 1, False
    while args[0].startswith("--"):
        opt = args.pop(0)
        if opt == "--stream":
            kind = socket.SOCK_STREAM
        elif opt == "--nfds":
            nfds = int(args.pop(0))
        elif opt == "--other-pid":
            other = True
    path = args.pop(0)
    assert args.pop(0) == "--"
    s = socket.socket(socket.AF_UNIX, kind)
    s.bind(path)
    s.listen(16)
    fd = s.detach()                          # may itself be fd 3
    for i in range(nfds):
        if fd != 3 + i:
            os.dup2(fd, 3 + i)               # inheritable: survives exec
        os.set_inheritable(3 + i, True)
    if fd >= 3 + nfds:
        os.close(fd)
    os.environ["LISTEN_FDS"] = str(nfds)
    os.environ["LISTEN_PID"] = str(os.getppid() if other else os.getpid())
    os.environ["LISTEN_FDNAMES"] = "procmgrd.socket"
    os.execv(args[0], args)


def listen(address, out):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind("\0" + address[1:] if address.startswith("@") else address)
    with open(out + ".bound", "w"):
        pass                                 # the caller waits for this
    while True:
        data = s.recv(65536)
        with open(out, "ab") as f:
            f.write(data + b"\n--\n")


if __name__ == "__main__":
    if sys.argv[1] == "activate":
        activate(sys.argv[2:])
    elif sys.argv[1] == "listen":
        listen(sys.argv[2], sys.argv[3])
    else:
        sys.exit("sdtools.py: unknown command " + sys.argv[1])
