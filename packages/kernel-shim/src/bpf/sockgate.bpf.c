// SPDX-License-Identifier: GPL-2.0-only
/*
 * sockgate's in-kernel shim: one program per hook, each enforcing verdicts that user
 * space put in sg_verdicts and reporting what it did on sg_events. It knows nothing
 * about rules. Built as one object so every hook shares the same maps.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_tracing.h>

#define SG_EACCES 13
#define SG_AF_INET 2
#define SG_AF_INET6 10
#define SG_ETH_P_IP 0x0800
#define SG_ETH_P_IPV6 0x86DD
#ifndef IPPROTO_ICMPV6
#define IPPROTO_ICMPV6 58
#endif

#include "sockgate-abi.h"
#include "upgrade-variant.bpf.h"
#include "maps.bpf.h"
#include "counters.bpf.h"
#include "identity.bpf.h"
#include "lineage.bpf.h"
#include "request.bpf.h"
#include "events.bpf.h"
#include "scope.bpf.h"
#include "verdict.bpf.h"
#include "packet.bpf.h"
#include "owner.bpf.h"
#include "delegation.bpf.h"
#include "hold.bpf.h"
#include "dns.bpf.h"
#include "source_route.bpf.h"
#include "connected_peer.bpf.h"
#include "sock_addr.bpf.h"

#include "sock_create.bpf.c"
#include "bind.bpf.c"
#include "connect.bpf.c"
#include "sendmsg.bpf.c"
#include "sockops.bpf.c"
#include "ingress.bpf.c"
#include "sock_release.bpf.c"
#include "upgrade.bpf.c"
#include "hold_match.bpf.c"
#include "release_pending.bpf.c"
#include "iter_listeners.bpf.c"
#include "iter_sock_idents.bpf.c"
#include "iter_end.bpf.c"
#include "exec.bpf.c"
#include "setsockopt.bpf.c"
#include "egress.bpf.c"

char LICENSE[] SEC("license") = "GPL";
