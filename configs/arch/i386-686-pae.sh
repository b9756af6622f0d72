# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# i386 as Debian's 686-pae flavour builds it: 3-level page tables (PAE:
# the PUD and P4D folded at compile time, pud_addr_end() is the end of the
# range; 4 PGD entries of 1 GiB, preallocated, each a table of 2 MiB
# PMDs), HIGHMEM64G and HIGHPTE, THP and hugetlb of 2 MiB. The rest as
# i386-686 (configs/arch/i386-686.sh). Sourced by lab/lib.sh.
. "$LAB_TOP/configs/arch/i386-686.sh"
GEOMETRY="3 levels (PAE), HIGHPTE"
HUGEPAGES="hugepagesz=2M hugepages=160 default_hugepagesz=2M"
DEBIAN_CONFIG=i386-686-pae
DEBIAN_ARCH_OPTIONS="HIGHMEM64G X86_PAE HIGHPTE"
