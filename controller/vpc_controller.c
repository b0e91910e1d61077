/* SPDX-License-Identifier: BSD-3-Clause */
/* Placeholder while the controller is being written. */
int main(void)
{
	return 2;
}
