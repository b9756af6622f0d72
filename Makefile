# SPDX-License-Identifier: GPL-2.0
# foliowalk lab: the entry points. The work is done by lab/*.sh.
#   make run | check | check-all | shell | exec | build | apply | export | ...
# Variables: ARCH (x86_64|arm64|s390x), KERNEL (base|patched), FLAVOUR (debug|prod|kasan),
#            MMCONFIG (debian|lab: the mm options of Debian's config, lab/debian-config.sh,
#            the default; or the lab's own tinyconfig-based set)

ARCH ?= x86_64
KERNEL ?= patched
FLAVOUR ?= debug
PAYLOAD ?=
NAMES ?=
LAB := lab

# The lab's ARCH is not the kernel's: do not let it leak into sub-makes.
unexport ARCH

.PHONY: help setup fetch apply export build run shell exec check check-all parser-check distro-build \
	bench bench-all stress kcsan cross mutants bisect-check w1-check static-check rebase-check \
	consistency-check debian-patches clean distclean

help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)

## make run         build the patched x86_64 kernel and show folio_walk's users at work
run: setup apply
	@$(LAB)/demo.sh $(ARCH)

# The page-table geometries make check-all boots (configs/arch/NAME.sh), one
# per way a level is folded: x86_64 on 5 levels and on 4 (P4D folded at run
# time), arm64 on 4 (P4D folded at build time), s390x (levels folded at run
# time), i386 686 (2 levels, PMD folded at build time, HIGHPTE). Debian's
# other 32-bit flavours are declared too (armhf-armmp: 2 levels;
# i386-686-pae and armhf-armmp-lpae: 3) and run with make check ARCH=...
# (doc/geometries.md says where each stands).
CHECK_ARCHES ?= x86_64 x86_64-4level arm64 s390x i386-686

## make check       base and patched, every suite, one table (ARCH=x86_64; any name in configs/arch/);
##                  fast loop: KERNELS=patched SUITES=foliowalk.oracle (doc/check.md)
check:
	@$(LAB)/check.sh $(ARCH)

## make check-all   make check for every geometry of CHECK_ARCHES (x86_64 on 5 and 4 levels, arm64, s390x, i386 686)
check-all:
	@$(LAB)/check.sh $(CHECK_ARCHES)

## make parser-check the verdict rules of make check on canned console logs (lab/testdata/parser/),
##                  and each rule broken on purpose must be caught: seconds, no QEMU
parser-check:
	@$(LAB)/parser-check.sh

## make bench       benchmarks, base vs patched (prod kernels, -icount): bench/results/ARCH.*
bench:
	@$(LAB)/bench.sh $(ARCH)

## make bench-all   make bench for x86_64 and arm64
bench-all:
	@$(LAB)/bench.sh x86_64 arm64

## make stress      races (with injected faults), trinity and hostile input on KASAN kernels, base and patched,
##                  x86_64, arm64 and s390x (DURATION=600 s, FLAVOUR=kasan)
stress:
	@$(LAB)/stress.sh x86_64 arm64 s390x

## make kcsan       make stress on KCSAN + lockdep kernels, x86_64 (DURATION=300 s): a KCSAN report
##                  in the series' functions fails, the others are counted, base beside patched
kcsan:
	@FLAVOUR=kcsan DURATION=$${DURATION:-300} $(LAB)/stress.sh x86_64

## make cross       build base and patched for the arches of configs/cross.list; warnings compared
##                  (NAMES="i386 ..." for some lines only)
cross: setup apply
	@$(LAB)/cross.sh $(NAMES)

## make static-check kernel-doc and coccinelle over the files the series touches, base vs patched
static-check: setup apply
	@$(LAB)/static-check.sh

## make distro-build compile the series' files with Debian's complete configs (configs/distro.list),
##                  W=1 and sparse, base vs patched (NAMES="amd64 ..." for some lines only)
distro-build: setup apply
	@$(LAB)/distro-build.sh $(NAMES)

## make rebase-check apply the series to every linux-source-6.1 upload in the archive, build each
##                  for x86_64, print a table (VERSIONS="..." for some; APPLY_ONLY=1: no builds)
rebase-check: setup
	@$(LAB)/rebase-check.sh

## make consistency-check README against the repository: patch tables, targets, results files, series
consistency-check:
	@$(LAB)/consistency-check.sh

## make debian-patches write the series for debian/patches (DEP-3 headers, series lines) in build/debian-patches,
##                  check it: Debian's source package of the pin, its patches then ours with quilt = make apply's tree
debian-patches: setup
	@$(LAB)/debian-patches.sh

## make mutants     break the walker on purpose (tests/mutants.list): the oracle must catch each
mutants: setup apply
	@$(LAB)/mutants.sh $(ARCH)

## make shell       boot KERNEL for ARCH to an interactive shell
shell: setup apply build
	@$(LAB)/boot.sh $(ARCH) $(KERNEL) $(FLAVOUR) /nonexistent shell

## make exec PAYLOAD=DIR   boot KERNEL with DIR as /payload, run DIR/run, return its exit code
exec: setup apply build
	@test -n "$(PAYLOAD)" || { echo "lab: error: make exec needs PAYLOAD=DIR (a directory with an executable 'run')" >&2; exit 2; }
	@$(LAB)/boot.sh $(ARCH) $(KERNEL) $(FLAVOUR) $(abspath $(PAYLOAD))

## make build       build KERNEL for ARCH (FLAVOUR) and its guest programs
build: setup apply
	@$(LAB)/build-kernel.sh $(ARCH) $(KERNEL) $(FLAVOUR)
	@$(LAB)/build-tests.sh $(ARCH) $(KERNEL) $(FLAVOUR)

## make setup       apt-get install what the lab needs (no-op when present)
setup:
	@$(LAB)/setup.sh

## make fetch       download and verify the pinned base into build/linux
fetch:
	@$(LAB)/tree.sh fetch

## make apply       bring build/linux (branch foliowalk) in line with patches/
apply: fetch
	@$(LAB)/tree.sh apply

## make export      write build/linux's branch back to patches/ (round trip checked)
export:
	@$(LAB)/tree.sh export

## make bisect-check  build x86_64 and arm64 after each patch: design, beyond, test (SERIES=design: the design alone)
bisect-check: setup apply
	@$(LAB)/bisect-check.sh

## make w1-check    W=1 warnings of the files the series touches: base vs patched (x86_64, arm64)
w1-check: setup apply
	@$(LAB)/w1-check.sh

## make clean       remove build outputs but keep the kernel tree and downloads
clean:
	rm -rf build/out build/guest build/payload build/results build/logs

## make distclean   remove build/ entirely (the kernel tree too: export first!)
distclean:
	rm -rf build
