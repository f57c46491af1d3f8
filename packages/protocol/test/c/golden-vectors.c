// SPDX-License-Identifier: MIT
/*
 * Builds a struct sg_event for each golden vector the way the BPF side does (zeroed
 * struct, fixed attribute headers, values, exe path last with nla_len = 4 + strlen + 1,
 * hdr.len = offsetof(exe_path) + aligned path attribute) and compares its first hdr.len
 * bytes with vectors/NAME.txt, so the TypeScript codec and the C header cannot disagree.
 * unknown-attr.txt is TypeScript-only: struct sg_event has no room for extra attributes.
 *
 * Build: cc -std=c11 -Wall -Wextra -Werror -I abi -o golden-vectors test/c/golden-vectors.c
 * Run:   ./golden-vectors vectors      (exit 0: all match; 1: a mismatch, offset printed)
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockgate-abi.h"
#include "golden-file.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "event records are little-endian and this test compares native struct bytes"
#endif

#define AF_INET_ 2
#define AF_INET6_ 10

struct vector {
	const char *name;
	__u32 op, proto, family, hook, verdict, reason, tag;
	__u32 pid, tgid, ppid, uid, gid, flags;
	__u64 cgroup_id, exe_ino, exe_dev, cookie, ktime;
	const char *local_addr, *remote_addr;
	__u32 local_port, remote_port, exe_gen;
	__u64 start_time, exec_id;
	const char *comm, *exe_path;
	const char *argv;   /* the argv bytes, NULs included */
	__u32 argv_len;
};

static char long_path[SG_PATH_MAX];
static char long_argv[SG_ARGV_MAX];

#define ARGV(s) .argv = s, .argv_len = sizeof(s) - 1 /* the literal's own final NUL is not counted */

static void put_u32(struct sg_attr_u32 *a, __u16 type, __u32 v)
{
	a->h.nla_len = sizeof(*a);
	a->h.nla_type = type;
	a->v = v;
}

static void put_u64(struct sg_attr_u64 *a, __u16 type, __u64 v)
{
	a->h.nla_len = sizeof(*a);
	a->h.nla_type = type;
	a->lo = (__u32)v;
	a->hi = (__u32)(v >> 32);
}

static int put_addr(struct sg_attr_addr *a, __u16 type, const char *text)
{
	a->h.nla_len = sizeof(*a);
	a->h.nla_type = type;
	return inet_pton(AF_INET6, text, a->v) == 1 ? 0 : -1;
}

static int put_comm(struct sg_attr_comm *a, const char *comm)
{
	size_t n = strlen(comm);

	if (n >= SG_COMM_LEN)
		return -1;
	a->h.nla_len = sizeof(*a);
	a->h.nla_type = SG_A_COMM;
	memcpy(a->v, comm, n); /* the rest stays zero from the memset */
	return 0;
}

static int put_path(struct sg_attr_path *a, const char *path)
{
	size_t n = strlen(path);

	if (n >= SG_PATH_MAX)
		return -1;
	a->h.nla_len = (__u16)(SG_NLA_HDRLEN + n + 1);
	a->h.nla_type = SG_A_EXE_PATH;
	memcpy(a->v, path, n + 1);
	return 0;
}

static int build(const struct vector *v, struct sg_event *e)
{
	memset(e, 0, sizeof(*e));
	e->hdr.version = SG_ABI_VERSION;
	e->hdr.type = SG_MSG_EVENT;
	put_u32(&e->op, SG_A_OP, v->op);
	put_u32(&e->proto, SG_A_PROTO, v->proto);
	put_u32(&e->family, SG_A_FAMILY, v->family);
	put_u32(&e->hook, SG_A_HOOK, v->hook);
	put_u32(&e->verdict, SG_A_VERDICT, v->verdict);
	put_u32(&e->reason, SG_A_REASON, v->reason);
	put_u32(&e->tag, SG_A_TAG, v->tag);
	put_u32(&e->pid, SG_A_PID, v->pid);
	put_u32(&e->tgid, SG_A_TGID, v->tgid);
	put_u32(&e->ppid, SG_A_PPID, v->ppid);
	put_u32(&e->uid, SG_A_UID, v->uid);
	put_u32(&e->gid, SG_A_GID, v->gid);
	put_u32(&e->flags, SG_A_FLAGS, v->flags);
	put_u64(&e->cgroup_id, SG_A_CGROUP_ID, v->cgroup_id);
	put_u64(&e->exe_ino, SG_A_EXE_INO, v->exe_ino);
	put_u64(&e->exe_dev, SG_A_EXE_DEV, v->exe_dev);
	put_u64(&e->cookie, SG_A_COOKIE, v->cookie);
	put_u64(&e->ktime, SG_A_KTIME, v->ktime);
	if (put_addr(&e->local_addr, SG_A_LOCAL_ADDR, v->local_addr) ||
	    put_addr(&e->remote_addr, SG_A_REMOTE_ADDR, v->remote_addr)) {
		fprintf(stderr, "%s: bad address in the test table\n", v->name);
		return -1;
	}
	put_u32(&e->local_port, SG_A_LOCAL_PORT, v->local_port);
	put_u32(&e->remote_port, SG_A_REMOTE_PORT, v->remote_port);
	put_u32(&e->exe_gen, SG_A_EXE_GEN, v->exe_gen);
	put_u32(&e->argv_len, SG_A_ARGV_LEN, v->argv_len);
	put_u64(&e->start_time, SG_A_START_TIME, v->start_time);
	put_u64(&e->exec_id, SG_A_EXEC_ID, v->exec_id);
	if (v->argv_len > SG_ARGV_MAX) {
		fprintf(stderr, "%s: argv too long for the struct\n", v->name);
		return -1;
	}
	e->argv.h.nla_len = sizeof(e->argv);
	e->argv.h.nla_type = SG_A_ARGV;
	if (v->argv_len)
		memcpy(e->argv.v, v->argv, v->argv_len); /* the rest stays zero from the memset */
	if (put_comm(&e->comm, v->comm) || put_path(&e->exe_path, v->exe_path)) {
		fprintf(stderr, "%s: comm or exe path too long for the struct\n", v->name);
		return -1;
	}
	e->hdr.len = offsetof(struct sg_event, exe_path) + SG_NLA_ALIGN(e->exe_path.h.nla_len);
	return 0;
}

struct member {
	const char *name;
	size_t offset;
};

#define M(x) { #x, offsetof(struct sg_event, x) }
static const struct member members[] = {
	M(hdr), M(op), M(proto), M(family), M(hook), M(verdict), M(reason), M(tag),
	M(pid), M(tgid), M(ppid), M(uid), M(gid), M(flags), M(cgroup_id), M(exe_ino),
	M(exe_dev), M(cookie), M(ktime), M(local_addr), M(remote_addr), M(local_port),
	M(remote_port), M(exe_gen), M(argv_len), M(start_time), M(exec_id), M(comm), M(argv), M(exe_path),
};

static const char *member_at(size_t off)
{
	const char *name = "?";

	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++)
		if (members[i].offset <= off)
			name = members[i].name;
	return name;
}

static int check(const char *dir, const struct vector *v)
{
	struct sg_event e;
	unsigned char golden[1024];
	char path[4096];
	long n;

	if (build(v, &e))
		return -1;
	snprintf(path, sizeof(path), "%s/%s.txt", dir, v->name);
	n = read_golden(path, golden, sizeof(golden));
	if (n < 0)
		return -1;

	const unsigned char *built = (const unsigned char *)&e;
	size_t len = e.hdr.len, common = (size_t)n < len ? (size_t)n : len;

	for (size_t i = 0; i < common; i++) {
		if (built[i] != golden[i]) {
			fprintf(stderr, "%s: first difference at offset %zu (struct member %s): built 0x%02x, golden 0x%02x\n",
				v->name, i, member_at(i), built[i], golden[i]);
			return -1;
		}
	}
	if ((size_t)n != len) {
		fprintf(stderr, "%s: built hdr.len %zu bytes, golden file holds %ld (first %zu agree)\n",
			v->name, len, n, common);
		return -1;
	}
	printf("ok %s %zu\n", v->name, len);
	return 0;
}

int main(int argc, char **argv)
{
	static const char seg[] = "0123456789abcde/";
	size_t used;

	if (argc != 2) {
		fprintf(stderr, "usage: %s VECTORS_DIR\n", argv[0]);
		return 2;
	}
	/* "/opt/" then "0123456789abcde/" repeated, cut to SG_PATH_MAX - 1 bytes. */
	strcpy(long_path, "/opt/");
	for (used = strlen(long_path); used < SG_PATH_MAX - 1; used++)
		long_path[used] = seg[(used - 5) % (sizeof(seg) - 1)];
	long_path[SG_PATH_MAX - 1] = '\0';
	/* four arguments cut at SG_ARGV_MAX bytes: the last has no NUL */
	{
		char full[512];
		int n = snprintf(full, sizeof(full), "/opt/tool%c--config=/etc/%.60s%c--verbose%c--output=/var/lib/%.60s%c", 0,
				 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 0, 0,
				 "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy", 0);

		if (n < SG_ARGV_MAX)
			return 1;
		memcpy(long_argv, full, SG_ARGV_MAX);
	}

	const struct vector vectors[] = {
		{
			.name = "ipv4-connect-deny",
			.op = SG_OP_CONNECT, .proto = SG_PROTO_TCP, .family = AF_INET_, .hook = SG_HOOK_CONNECT4,
			.verdict = SG_VERDICT_DENY, .reason = SG_REASON_EXACT, .tag = 42,
			.pid = 4243, .tgid = 4242, .ppid = 1717, .uid = 1000, .gid = 1000, .flags = 0,
			.cgroup_id = 0x100002a5fULL, .exe_ino = 1234567, .exe_dev = 0x800001,
			.cookie = 0x1122334455667788ULL, .ktime = 987654321012345ULL,
			.local_addr = "::ffff:0.0.0.0", .remote_addr = "::ffff:192.0.2.10",
			.local_port = 0, .remote_port = 443,
			.comm = "curl", .exe_path = "/usr/bin/curl",
			.start_time = 12345678901234567ULL, .exec_id = 0x100000002ULL,
			.exe_gen = 0x5a17c0de, ARGV("curl\0-s\0https://192.0.2.10/\0"),
		},
		{
			.name = "ipv6-bind-unknown",
			.op = SG_OP_BIND, .proto = SG_PROTO_TCP, .family = AF_INET6_, .hook = SG_HOOK_BIND6,
			.verdict = SG_VERDICT_ALLOW, .reason = SG_REASON_UNKNOWN, .tag = 0,
			.pid = 3100, .tgid = 3100, .ppid = 2990, .uid = 1000, .gid = 100, .flags = 0,
			.cgroup_id = 8842, .exe_ino = 2621479, .exe_dev = 0x800002,
			.cookie = 40967, .ktime = 5000000000ULL,
			.local_addr = "2001:db8::1", .remote_addr = "::",
			.local_port = 8080, .remote_port = 0,
			.comm = "python3", .exe_path = "/usr/bin/python3.11",
			.start_time = 4200000000ULL, .exec_id = 1,
			.exe_gen = 7, ARGV("python3\0-m\0http.server\0--bind\0" "2001:db8::1\0"),
		},
		{
			.name = "v4mapped-send",
			.op = SG_OP_SEND, .proto = SG_PROTO_UDP, .family = AF_INET6_, .hook = SG_HOOK_SENDMSG4,
			.verdict = SG_VERDICT_ALLOW, .reason = SG_REASON_APP_PORT, .tag = 7,
			.pid = 777, .tgid = 776, .ppid = 1, .uid = 0, .gid = 0, .flags = 0,
			.cgroup_id = 1, .exe_ino = 393218, .exe_dev = 0x800001,
			.cookie = 0xffffffffffffffffULL, .ktime = 1,
			.local_addr = "::", .remote_addr = "::ffff:198.51.100.7",
			.local_port = 0, .remote_port = 53,
			.comm = "dig", .exe_path = "/usr/bin/dig",
			.start_time = 0xffffffffffffffffULL, .exec_id = 0xffffffffffffffffULL,
			.exe_gen = 0xffffffff, ARGV("dig\0@192.0.2.53\0" "example.org\0"),
		},
		{
			.name = "long-path-truncated",
			.op = SG_OP_CONNECT, .proto = SG_PROTO_UDP, .family = AF_INET6_, .hook = SG_HOOK_CONNECT6,
			.verdict = SG_VERDICT_DENY, .reason = SG_REASON_APP, .tag = 9,
			.pid = 5000, .tgid = 5000, .ppid = 4999, .uid = 1001, .gid = 1001,
			.flags = SG_EF_PATH_TRUNCATED | SG_EF_ARGV_TRUNCATED,
			.cgroup_id = 3, .exe_ino = 55555, .exe_dev = 0x1300007,
			.cookie = 65536, .ktime = 4294967296ULL,
			.local_addr = "::", .remote_addr = "2001:db8::53",
			.local_port = 0, .remote_port = 53,
			.comm = "a-very-long-nam", .exe_path = long_path,
			.start_time = 1, .exec_id = 3,
			.exe_gen = 1, .argv = long_argv, .argv_len = SG_ARGV_MAX,
		},
		{
			.name = "no-exe-socket",
			.op = SG_OP_SOCKET, .proto = SG_PROTO_RAW, .family = AF_INET_, .hook = SG_HOOK_SOCK_CREATE,
			.verdict = SG_VERDICT_DENY, .reason = SG_REASON_UNKNOWN, .tag = 0,
			.pid = 2, .tgid = 2, .ppid = 0, .uid = 0, .gid = 0, .flags = SG_EF_NO_EXE,
			.cgroup_id = 1, .exe_ino = 0, .exe_dev = 0, .cookie = 4097, .ktime = 42,
			.local_addr = "::", .remote_addr = "::",
			.local_port = 0, .remote_port = 0,
			.comm = "kworker/0:1", .exe_path = "",
			.start_time = 2000000, .exec_id = 0,
			.exe_gen = 0, .argv_len = 0,
		},
	};
	int failed = 0;

	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
		failed |= check(argv[1], &vectors[i]) != 0;
	printf("# unknown-attr: TypeScript only (struct sg_event has no room for extra attributes)\n");
	return failed;
}
