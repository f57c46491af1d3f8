// SPDX-License-Identifier: MIT
/*
 * Fills a struct sg_dns_event for each golden DNS record the way dns.bpf.h does and compares
 * its first hdr.len bytes with vectors/dns/NAME.txt.
 *
 * Build: cc -std=gnu11 -Wall -Wextra -Werror -I abi -o dns-vectors test/c/dns-vectors.c
 * Run:   ./dns-vectors vectors/dns    (exit 0: all match; 1: a mismatch, offset printed)
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <string.h>

#include "sockgate-abi.h"
#include "golden-file.h"

static void u32(struct sg_attr_u32 *a, __u16 type, __u32 v)
{
	a->h.nla_len = sizeof(*a);
	a->h.nla_type = type;
	a->v = v;
}

static void u64(struct sg_attr_u64 *a, __u16 type, __u64 v)
{
	a->h.nla_len = sizeof(*a);
	a->h.nla_type = type;
	a->lo = (__u32)v;
	a->hi = (__u32)(v >> 32);
}

static void addr(struct sg_attr_addr *a, __u16 type, const char *text)
{
	a->h.nla_len = sizeof(*a);
	a->h.nla_type = type;
	inet_pton(AF_INET6, text, a->v);
}

static void udp_answer(struct sg_dns_event *e)
{
	static const unsigned char payload[] = {
		0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x07, 'e', 'x', 'a', 'm', 'p',
		'l',  'e',  0x03, 'o',  'r',  'g',  0x00, 0x00, 0x01, 0x00, 0x01, 0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01,
		0x00, 0x00, 0x01, 0x2c, 0x00, 0x04, 0x5d, 0xb8, 0xd7, 0x0e,
	};
	static const char argv[] = "dig\0+short\0" "example.org\0"; /* the literal's own NUL is not used */

	memset(e, 0, sizeof(*e));
	e->hdr.version = SG_ABI_VERSION;
	e->hdr.type = SG_MSG_DNS;
	u32(&e->proto, SG_D_PROTO, SG_PROTO_UDP);
	u32(&e->family, SG_D_FAMILY, 2);
	u32(&e->uid, SG_D_UID, 1000);
	u32(&e->tgid, SG_D_TGID, 4242);
	u32(&e->tcp_seq, SG_D_TCP_SEQ, 0);
	u64(&e->cookie, SG_D_COOKIE, 4711);
	u64(&e->exe_ino, SG_D_EXE_INO, 1234567);
	u64(&e->exe_dev, SG_D_EXE_DEV, 0x800001);
	u64(&e->ktime, SG_D_KTIME, 987654321012345ULL);
	addr(&e->local_addr, SG_D_LOCAL_ADDR, "::ffff:10.77.0.1");
	addr(&e->remote_addr, SG_D_REMOTE_ADDR, "::ffff:10.77.0.2");
	u32(&e->local_port, SG_D_LOCAL_PORT, 54321);
	u32(&e->remote_port, SG_D_REMOTE_PORT, 53);
	u32(&e->exe_gen, SG_D_EXE_GEN, 0x0badf00d);
	u32(&e->argv_len, SG_D_ARGV_LEN, sizeof(argv) - 1);
	e->argv.h.nla_len = sizeof(e->argv);
	e->argv.h.nla_type = SG_D_ARGV;
	memcpy(e->argv.v, argv, sizeof(argv) - 1);
	memcpy(e->payload.v, payload, sizeof(payload));
	e->payload.h.nla_len = SG_NLA_HDRLEN + sizeof(payload);
	e->payload.h.nla_type = SG_D_PAYLOAD;
	e->hdr.len = offsetof(struct sg_dns_event, payload) + SG_NLA_ALIGN(e->payload.h.nla_len);
}

int main(int argc, char **argv)
{
	static struct sg_dns_event e;
	unsigned char golden[sizeof(e)];
	char path[4096];
	long n;
	size_t at;

	if (argc != 2) {
		fprintf(stderr, "usage: %s VECTORS_DIR\n", argv[0]);
		return 2;
	}
	udp_answer(&e);
	snprintf(path, sizeof(path), "%s/udp-answer.txt", argv[1]);
	n = read_golden(path, golden, sizeof(golden));
	if (n < 0)
		return 1;
	for (at = 0; at < e.hdr.len && at < (size_t)n && ((unsigned char *)&e)[at] == golden[at]; at++)
		;
	if (at != e.hdr.len || (size_t)n != e.hdr.len) {
		fprintf(stderr, "udp-answer: first difference at offset %zu (built %u bytes, golden %ld)\n", at, e.hdr.len, n);
		return 1;
	}
	printf("ok udp-answer %u\n", e.hdr.len);
	return 0;
}
