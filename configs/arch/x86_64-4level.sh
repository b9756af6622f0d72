# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# x86_64 on 4-level page tables, as most Debian amd64 machines run it
# (CPUs without LA57): the x86_64 kernels, booted with no5lvl. The P4D
# level is folded at run time (pgtable_l5_enabled() false: pgd_none() is
# 0, p4d_none() tests the top-level entry, which maps 512 GiB), and user
# space ends at 128 TiB. Sourced by lab/lib.sh.
. "$LAB_TOP/configs/arch/x86_64.sh"
KERNEL_ARCH=x86_64
BOOT_CMDLINE="no5lvl"
GEOMETRY="4 levels, P4D folded at run time"
# The base tree's selftests ran on these kernels on 5 levels (x86_64);
# the project's tests, whose kinds include the boundary kinds, run here.
SUITES="foliowalk"
NOT_HERE+="
foliowalk.oracle/fw.above_128t   absent:VA_ABOVE_128T  needs an address space above 128 TiB (4-level page tables: no5lvl)
foliowalk.oracle/fw.range_walk_empty_then_anon4k_256t  absent:VA_SPACE  needs a 256 TiB block (4-level page tables: 128 TiB of user space)
foliowalk.oracle/fw.range_walk_anon4k_then_empty_256t  absent:VA_SPACE  needs a 256 TiB block (4-level page tables: 128 TiB of user space)
"
