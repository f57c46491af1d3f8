// SPDX-License-Identifier: MIT
/* Calls into libsgmasq.so, which unmaps this executable and never returns (sgmasq-lib.c). */
int sgmasq_run(int argc, char **argv);

int main(int argc, char **argv)
{
	return sgmasq_run(argc, argv);
}
