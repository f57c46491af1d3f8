# A process that answers over an API connection it did not open: a forked child connects to
# the socket and hands the connection over SCM_RIGHTS. MODE "exit": the child exits and is
# reaped before the answer; "stay": it stays alive (a descendant of this process).
# Prints {"ready": true, "child": PID}, reads a prompt id on stdin, prints the AnswerPrompt reply.
import json, os, socket, sys, time

path, mode = sys.argv[1], sys.argv[2]
HELLO = {"id": 1, "method": "io.sockgate.v1.Hello", "parameters": {"versions": ["io.sockgate.v1"]}}
ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
child = os.fork()
if child == 0:
    api = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    api.connect(path)
    # the daemon has accepted (and taken this process's pidfd) once Hello is answered: only
    # then is the connection handed over, so "exit" is always an exit after the accept
    api.sendall((json.dumps(HELLO) + "\n").encode())
    got = b""
    while not got.endswith(b"\n"):
        got += api.recv(4096)
    socket.send_fds(theirs, [b"x"], [api.fileno()])
    if mode == "stay":
        time.sleep(60)
    os._exit(0)
_, fds, _, _ = socket.recv_fds(ours, 1, 1)
api = socket.socket(fileno=fds[0])
if mode == "exit":
    os.waitpid(child, 0)
print(json.dumps({"ready": True, "child": child}), flush=True)
prompt_id = sys.stdin.readline().strip()
answer = {"id": 2, "method": "io.sockgate.v1.AnswerPrompt", "parameters": {"promptId": prompt_id, "answer": {"action": "allow", "scope": "host", "duration": "forever"}}}
api.sendall((json.dumps(answer) + "\n").encode())
print(api.makefile("r").readline().strip(), flush=True)
if mode == "stay":
    os.kill(child, 9)
