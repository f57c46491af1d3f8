// SPDX-License-Identifier: MIT
/* Reads a golden vector file, shared by the C golden tests. */
#pragma once
#include <stdio.h>

/* Golden file: hex byte pairs separated by whitespace; '#' comments to end of line. */
static inline long read_golden(const char *path, unsigned char *out, size_t cap)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;
	int c, hi = -1;

	if (!f) {
		perror(path);
		return -1;
	}
	while ((c = fgetc(f)) != EOF) {
		int d;

		if (c == '#') {
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if (hi >= 0)
				goto bad;
			continue;
		}
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			goto bad;
		if (hi < 0) {
			hi = d;
			continue;
		}
		if (n == cap) {
			fprintf(stderr, "%s: more than %zu bytes\n", path, cap);
			fclose(f);
			return -1;
		}
		out[n++] = (unsigned char)(hi << 4 | d);
		hi = -1;
	}
	fclose(f);
	if (hi >= 0)
		goto bad_closed;
	return (long)n;
bad:
	fclose(f);
bad_closed:
	fprintf(stderr, "%s: not a sequence of hex byte pairs near byte %zu\n", path, n);
	return -1;
}

