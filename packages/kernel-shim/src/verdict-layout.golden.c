/* Prints struct sg_verdict_key/_value/sg_config, sg_flow_key, sg_pending and sg_tuple
 * filled field by field, as hex, so verdict-layout.test.ts and flow-layout.test.ts can
 * check the TypeScript encoders against the C compiler's layout of the very header the
 * BPF programs use. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "sockgate-abi.h"

static void hex(const char *name, const void *p, size_t n)
{
	const unsigned char *b = p;

	printf("%s ", name);
	for (size_t i = 0; i < n; i++)
		printf("%02x", b[i]);
	printf("\n");
}

int main(void)
{
	struct sg_verdict_key k;
	struct sg_verdict_value v;
	struct sg_config c;
	struct sg_flow_key fk;
	struct sg_pending p;
	struct sg_tuple t;
	struct sg_lineage ln;

	/* The header's worked example: curl may connect over TCP to [2001:db8::1]:443. */
	memset(&k, 0, sizeof(k));
	k.exe_ino = 1234;
	k.exe_dev = 0x800001;
	k.uid = 1000;
	k.op = SG_OP_CONNECT;
	k.proto = SG_PROTO_TCP;
	k.layer = SG_LAYER_ADDR | SG_LAYER_PORT;
	k.port = 443;
	inet_pton(AF_INET6, "2001:db8::1", k.addr);
	hex("key_exact_v6", &k, sizeof(k));

	memset(&k, 0, sizeof(k));
	k.exe_ino = 0x0102030405060708ULL;
	k.exe_dev = 254u << 20;
	k.uid = 0xfffffffe;
	k.op = SG_OP_ANY;
	k.proto = SG_PROTO_ANY;
	hex("key_app", &k, sizeof(k));

	memset(&k, 0, sizeof(k));
	k.exe_ino = ~0ULL;
	k.exe_dev = 0xffffffff;
	k.uid = 0;
	k.op = SG_OP_SEND;
	k.proto = SG_PROTO_UDP;
	k.layer = SG_LAYER_ADDR;
	inet_pton(AF_INET6, "::ffff:192.0.2.1", k.addr);
	hex("key_addr_v4", &k, sizeof(k));

	memset(&k, 0, sizeof(k));
	k.exe_ino = 42;
	k.exe_dev = 1;
	k.uid = 65534;
	k.op = SG_OP_BIND;
	k.proto = SG_PROTO_ICMP;
	k.layer = SG_LAYER_PORT;
	k.port = 65535;
	hex("key_port", &k, sizeof(k));

	memset(&v, 0, sizeof(v));
	v.verdict = SG_VERDICT_DENY;
	v.tag = 0xdeadbeef;
	hex("value_deny", &v, sizeof(v));
	v.verdict = SG_VERDICT_ALLOW;
	v.tag = 0;
	hex("value_allow", &v, sizeof(v));
	v.expires_ns = 0x0102030405060708ULL;
	hex("value_deadline", &v, sizeof(v));
	v.exe_gen = 0xa1b2c3d4;
	hex("value_generation", &v, sizeof(v));

	/* The header's flow example: socket 4711's held connect to 203.0.113.7:443/tcp. */
	memset(&fk, 0, sizeof(fk));
	fk.cookie = 4711;
	inet_pton(AF_INET6, "::ffff:203.0.113.7", fk.addr);
	fk.port = 443;
	fk.proto = SG_PROTO_TCP;
	hex("flow_key", &fk, sizeof(fk));

	memset(&p, 0, sizeof(p));
	p.exe_ino = 1234;
	p.cgroup_id = 0x100002a5fULL;
	p.ktime = 987654321012345ULL;
	p.netns_cookie = 4096;
	p.exe_dev = 0x800001;
	p.uid = 1000;
	p.gid = 100;
	p.tgid = 4242;
	p.pid = 4243;
	p.ppid = 1717;
	p.flags = SG_EF_PATH_TRUNCATED;
	p.op = SG_OP_CONNECT;
	p.hook = SG_HOOK_CONNECT6;
	p.family = 10;
	inet_pton(AF_INET6, "2001:db8::5", p.local_addr);
	p.local_port = 40000;
	p.exe_gen = 0x5a17c0de;
	strcpy(p.comm, "curl");
	p.start_time = 0x0000123456789abcULL;
	p.exec_id = 7;
	hex("pending", &p, sizeof(p));

	/* a grandchild: its parent 4243 (started at tick 1000), then 4242 (tick 900) */
	memset(&ln, 0, sizeof(ln));
	ln.ancestors[0] = ((__u64)4243 << 32) | 1000;
	ln.ancestors[1] = ((__u64)4242 << 32) | 900;
	ln.depth = 2;
	hex("lineage", &ln, sizeof(ln));

	/* one whose oldest ancestors (pid 7, tick 70; pid 8, tick 80) fell into the filter */
	memset(&ln, 0, sizeof(ln));
	for (int i = 0; i < SG_LINEAGE_MAX; i++)
		ln.ancestors[i] = ((__u64)(100 + i) << 32) | (unsigned)(1000 + i);
	for (unsigned k = 0; k < 3; k++) {
		__u32 a = sg_lineage_bit(((__u64)7 << 32) | 70, k), b = sg_lineage_bit(((__u64)8 << 32) | 80, k);

		ln.earlier[a / 64] |= 1ULL << (a % 64);
		ln.earlier[b / 64] |= 1ULL << (b % 64);
	}
	ln.depth = SG_LINEAGE_MAX + 2;
	hex("lineage_deep", &ln, sizeof(ln));

	memset(&t, 0, sizeof(t));
	inet_pton(AF_INET6, "::ffff:10.77.0.1", t.saddr);
	inet_pton(AF_INET6, "2001:db8::7", t.daddr);
	t.sport = 54321;
	t.dport = 53;
	t.proto = SG_PROTO_UDP;
	hex("tuple", &t, sizeof(t));

	memset(&c, 0, sizeof(c));
	c.unknown_policy[SG_OP_SOCKET] = SG_POLICY_ALLOW;
	c.unknown_policy[SG_OP_BIND] = SG_POLICY_ALLOW;
	c.unknown_policy[SG_OP_LISTEN] = SG_POLICY_ALLOW;
	c.unknown_policy[SG_OP_CONNECT] = SG_POLICY_DENY;
	c.unknown_policy[SG_OP_SEND] = SG_POLICY_DENY;
	c.unknown_policy[SG_OP_ACCEPT] = SG_POLICY_DENY;
	c.untagged_listener_policy = SG_POLICY_ALLOW;
	c.report_allows = 0;
	c.pending_per_uid = 256;
	c.pending_per_listener = 64;
	c.socks_per_uid = 1024;
	hex("config_default", &c, sizeof(c));

	memset(&c, 0, sizeof(c));
	c.unknown_policy[SG_OP_SOCKET] = SG_POLICY_DENY;
	c.unknown_policy[SG_OP_BIND] = SG_POLICY_DENY;
	c.unknown_policy[SG_OP_LISTEN] = SG_POLICY_DENY;
	c.unknown_policy[SG_OP_CONNECT] = SG_POLICY_HOLD;
	c.unknown_policy[SG_OP_SEND] = SG_POLICY_ALLOW;
	c.unknown_policy[SG_OP_ACCEPT] = SG_POLICY_HOLD;
	c.untagged_listener_policy = SG_POLICY_DENY;
	c.report_allows = 1;
	c.scope_enabled = 1;
	c.pending_per_uid = 0xfffffffe;
	c.pending_per_listener = 1;
	c.socks_per_uid = 0x10203;
	c.host_mnt_ns = 4026531841u;
	hex("config_inverted", &c, sizeof(c));

	printf("sizeof_key %zu\nsizeof_value %zu\nsizeof_config %zu\nsizeof_counters %zu\n", sizeof(struct sg_verdict_key),
	       sizeof(struct sg_verdict_value), sizeof(struct sg_config), sizeof(struct sg_counters));
	printf("sizeof_flow_key %zu\nsizeof_pending %zu\nsizeof_tuple %zu\nsizeof_lineage %zu\n", sizeof(struct sg_flow_key),
	       sizeof(struct sg_pending), sizeof(struct sg_tuple), sizeof(struct sg_lineage));
	return 0;
}
