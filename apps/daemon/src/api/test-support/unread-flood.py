# One user's flood of the API: CONNS connections that each send Hello and CALLS ListRules and
# never read a reply. Prints {"sent": CONNS} once all is sent; holds the connections open
# until stdin closes.
import json, socket, sys

path, conns, calls = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
lines = [json.dumps({"id": 0, "method": "io.sockgate.v1.Hello", "parameters": {"versions": ["io.sockgate.v1"]}})]
lines += [json.dumps({"id": i, "method": "io.sockgate.v1.ListRules", "parameters": {}}) for i in range(1, calls + 1)]
payload = ("\n".join(lines) + "\n").encode()
held = []
for _ in range(conns):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(payload)
    held.append(s)
print(json.dumps({"sent": len(held)}), flush=True)
sys.stdin.read()
