# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# 32-bit arm as Debian's armmp-lpae flavour builds it: 3-level page
# tables (LPAE: the PUD and P4D folded at compile time, pud_addr_end() is
# the end of the range; 4 PGD entries of 1 GiB), HIGHMEM and HIGHPTE, THP
# and hugetlb of 2 MiB. The rest as armhf-armmp
# (configs/arch/armhf-armmp.sh). Sourced by lab/lib.sh.
. "$LAB_TOP/configs/arch/armhf-armmp.sh"
GEOMETRY="3 levels (LPAE), HIGHPTE"
HUGEPAGES="hugepagesz=2M hugepages=160 default_hugepagesz=2M"
DEBIAN_CONFIG=armhf-armmp-lpae
# LPAE has THP and hugetlb: Debian's armmp-lpae values again, after
# armmp's (THP "always", as Debian's config has it)
ARCH_KCONFIG+="
CONFIG_TRANSPARENT_HUGEPAGE=y
CONFIG_TRANSPARENT_HUGEPAGE_ALWAYS=y
CONFIG_HUGETLBFS=y
CONFIG_HUGETLB_PAGE=y
"
# armmp's NOT_HERE but THP and hugetlb, which LPAE has (so numa_hint_thp
# gets as far as NUMA balancing)
NOT_HERE=$(printf '%s\n' "$NOT_HERE" |
	grep -v '^selftests\.\(split_huge_page_test\|map_hugetlb\) \|2-level arm has none)' |
	sed 's/^\(foliowalk.oracle\/fw.hwpoison_thp *\).*/\1absent:MEMORY_FAILURE  needs memory failure handling (6.1 arm has no ARCH_SUPPORTS_MEMORY_FAILURE)/
	     s/^\(foliowalk.oracle\/fw.numa_hint_thp *\).*/\1absent:NUMA_BALANCING  needs NUMA balancing (32-bit arm has no NUMA)/')
