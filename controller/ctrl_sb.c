/* SPDX-License-Identifier: BSD-3-Clause */
/* Placeholder while the controller is being written: replaced by its implementation. */
