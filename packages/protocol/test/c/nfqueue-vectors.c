// SPDX-License-Identifier: MIT
/*
 * Builds each golden nfnetlink_queue message from the kernel's own uapi structs
 * (struct nlmsghdr, nfgenmsg, nlattr, nfqnl_msg_*) and compares it with
 * vectors/nfqueue/NAME.txt, so the TypeScript codec cannot drift from what the kernel
 * reads and writes.
 *
 * Build: cc -std=gnu11 -Wall -Wextra -Werror -o nfqueue-vectors test/c/nfqueue-vectors.c
 * Run:   ./nfqueue-vectors vectors/nfqueue    (exit 0: all match; 1: a mismatch, offset printed)
 */
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <linux/netlink.h>
#include <string.h>

#include "golden-file.h"

struct msg {
	unsigned char b[512];
	size_t len;
};

static struct nlmsghdr *start(struct msg *m, __u16 type, __u16 flags, __u32 seq)
{
	struct nlmsghdr *h = (struct nlmsghdr *)m->b;

	memset(m, 0, sizeof(*m));
	h->nlmsg_type = type;
	h->nlmsg_flags = flags;
	h->nlmsg_seq = seq;
	m->len = NLMSG_HDRLEN;
	return h;
}

static void nfgen(struct msg *m, __u8 family, __u16 queue)
{
	struct nfgenmsg *g = (struct nfgenmsg *)(m->b + m->len);

	g->nfgen_family = family;
	g->version = NFNETLINK_V0;
	g->res_id = htons(queue);
	m->len += NLMSG_ALIGN(sizeof(*g));
}

static void attr(struct msg *m, __u16 type, const void *data, size_t n)
{
	struct nlattr *a = (struct nlattr *)(m->b + m->len);

	a->nla_len = (__u16)(NLA_HDRLEN + n);
	a->nla_type = type;
	memcpy((unsigned char *)a + NLA_HDRLEN, data, n);
	m->len += NLA_ALIGN(NLA_HDRLEN + n);
}

static void be32(struct msg *m, __u16 type, __u32 v)
{
	__u32 n = htonl(v);

	attr(m, type, &n, sizeof(n));
}

static void finish(struct msg *m)
{
	((struct nlmsghdr *)m->b)->nlmsg_len = (__u32)m->len;
}

static void config_bind(struct msg *m)
{
	struct nfqnl_msg_config_cmd cmd = { .command = NFQNL_CFG_CMD_BIND, .pf = htons(0) };

	start(m, NFNL_SUBSYS_QUEUE << 8 | NFQNL_MSG_CONFIG, NLM_F_REQUEST | NLM_F_ACK, 1);
	nfgen(m, AF_UNSPEC, 7351);
	attr(m, NFQA_CFG_CMD, &cmd, sizeof(cmd));
	finish(m);
}

static void config_params(struct msg *m)
{
	struct nfqnl_msg_config_params p = { .copy_range = htonl(256), .copy_mode = NFQNL_COPY_PACKET };

	start(m, NFNL_SUBSYS_QUEUE << 8 | NFQNL_MSG_CONFIG, NLM_F_REQUEST | NLM_F_ACK, 2);
	nfgen(m, AF_UNSPEC, 7351);
	attr(m, NFQA_CFG_PARAMS, &p, sizeof(p));
	be32(m, NFQA_CFG_QUEUE_MAXLEN, 4096);
	be32(m, NFQA_CFG_MASK, NFQA_CFG_F_FAIL_OPEN | NFQA_CFG_F_GSO | NFQA_CFG_F_UID_GID);
	be32(m, NFQA_CFG_FLAGS, NFQA_CFG_F_GSO | NFQA_CFG_F_UID_GID);
	finish(m);
}

static void verdict(struct msg *m, __u16 type, __u32 seq, __u32 v, __u32 id, int with_mark)
{
	struct nfqnl_msg_verdict_hdr h = { .verdict = htonl(v), .id = htonl(id) };

	start(m, NFNL_SUBSYS_QUEUE << 8 | type, NLM_F_REQUEST, seq);
	nfgen(m, AF_UNSPEC, 7351);
	attr(m, NFQA_VERDICT_HDR, &h, sizeof(h));
	if (with_mark)
		be32(m, NFQA_MARK, 0x53470001);
	finish(m);
}

static void verdict_accept_mark(struct msg *m)
{
	verdict(m, NFQNL_MSG_VERDICT, 7, NF_ACCEPT, 42, 1);
}

static void verdict_batch_drop(struct msg *m)
{
	verdict(m, NFQNL_MSG_VERDICT_BATCH, 8, NF_DROP, 100, 0);
}

static void packet_ipv4_syn(struct msg *m)
{
	static const unsigned char payload[] = { 0x45, 0x00, 0x00, 0x3c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
						 0x0a, 0x4d, 0x00, 0x01, 0x0a, 0x4d, 0x00, 0x02, 0xd4, 0x31, 0x1f, 0x90 };
	struct nfqnl_msg_packet_hdr h = { .packet_id = htonl(1), .hw_protocol = htons(0x0800), .hook = NF_INET_LOCAL_OUT };

	start(m, NFNL_SUBSYS_QUEUE << 8 | NFQNL_MSG_PACKET, 0, 0);
	nfgen(m, AF_INET, 7351);
	attr(m, NFQA_PACKET_HDR, &h, sizeof(h));
	be32(m, NFQA_IFINDEX_OUTDEV, 2);
	be32(m, NFQA_UID, 1000);
	be32(m, NFQA_GID, 1000);
	be32(m, NFQA_SKB_INFO, NFQA_SKB_CSUMNOTREADY);
	attr(m, NFQA_PAYLOAD, payload, sizeof(payload));
	finish(m);
}

static void ack_capped(struct msg *m)
{
	struct msg req;
	struct nlmsgerr *e;

	config_bind(&req);
	start(m, NLMSG_ERROR, NLM_F_CAPPED, 1);
	e = (struct nlmsgerr *)(m->b + m->len);
	e->error = 0;
	memcpy(&e->msg, req.b, sizeof(e->msg));
	m->len += sizeof(*e);
	finish(m);
}

static void done(struct msg *m)
{
	int zero = 0;

	start(m, NLMSG_DONE, 0, 5);
	memcpy(m->b + m->len, &zero, sizeof(zero));
	m->len += sizeof(zero);
	finish(m);
}

static const struct {
	const char *name;
	void (*build)(struct msg *m);
} vectors[] = {
	{ "ack-capped", ack_capped },
	{ "config-bind", config_bind },
	{ "config-params", config_params },
	{ "done", done },
	{ "packet-ipv4-syn", packet_ipv4_syn },
	{ "verdict-accept-mark", verdict_accept_mark },
	{ "verdict-batch-drop", verdict_batch_drop },
};

int main(int argc, char **argv)
{
	int failed = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s VECTORS_DIR\n", argv[0]);
		return 2;
	}
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		struct msg m;
		unsigned char golden[512];
		char path[4096];
		long n;
		size_t at;

		vectors[i].build(&m);
		snprintf(path, sizeof(path), "%s/%s.txt", argv[1], vectors[i].name);
		n = read_golden(path, golden, sizeof(golden));
		if (n < 0) {
			failed = 1;
			continue;
		}
		for (at = 0; at < m.len && at < (size_t)n && m.b[at] == golden[at]; at++)
			;
		if (at != m.len || (size_t)n != m.len) {
			fprintf(stderr, "%s: first difference at offset %zu (built %zu bytes, golden %ld)\n", vectors[i].name, at,
				m.len, n);
			failed = 1;
			continue;
		}
		printf("ok %s %zu\n", vectors[i].name, m.len);
	}
	return failed;
}
