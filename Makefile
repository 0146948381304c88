# Checkpoint/restart for Linux 6.12: build, boot and test driver.
#
#   make demo     build everything, boot the guest, show checkpoint/restart
#   make check    the whole test suite in the debug guest (KASAN, lockdep,
#                 kmemleak, UBSAN); `make check T=name` runs one test
#   make bench    checkpoint/restart speed in the (non-debug) guest, next to
#                 the guest's own copy rates measured in the same run
#   make shell    boot the guest to a shell
#   make lint     checkpatch --strict, sparse, W=1 and kernel-doc
#   make patchset a git format-patch series in build/patchset/
#
# Missing Debian packages are installed first (as root), see scripts/deps.sh.

REPO    := $(CURDIR)
BUILD   ?= $(REPO)/build
KSRC    := $(BUILD)/linux
VARIANT ?= default
KOBJ     = $(BUILD)/obj-$(VARIANT)
KIMAGE   = $(KOBJ)/arch/x86/boot/bzImage
HDR     := $(BUILD)/obj-headers/usr/include
TOOLS   := $(BUILD)/tools
TESTS   := $(BUILD)/tests
BENCHES := $(BUILD)/bench
INITRD  := $(BUILD)/initramfs.cpio
JOBS    ?= $(shell nproc)
T       ?=

FRAGMENTS_default := tests/guest/guest.config
FRAGMENTS_debug   := tests/guest/guest.config tests/guest/debug.config

KMAKE = $(MAKE) -s -C $(KSRC) O=$(KOBJ) ARCH=x86_64 \
	$(if $(shell command -v ccache),CC="ccache gcc")

.PHONY: all deps criu tree config kernel headers tools tests benches initramfs \
	check demo bench shell lint patchset clean

all: kernel tools tests benches

deps:
	@sh scripts/deps.sh

criu:
	@sh scripts/deps.sh criu

tree: deps
	@sh scripts/prepare-tree.sh $(REPO) $(KSRC)

config: tree
	@sh scripts/kconfig.sh $(KSRC) $(KOBJ) $(FRAGMENTS_$(VARIANT))

kernel: config
	@echo "  KERNEL  $(VARIANT)"
	@$(KMAKE) -j$(JOBS) bzImage

# The exported uapi headers, as headers_install would give them, in the
# objdir: regenerated only when they change (and no rsync needed)
headers: tree
	@$(MAKE) -s -C $(KSRC) O=$(BUILD)/obj-headers ARCH=x86_64 headers

tools: headers
	@$(MAKE) -s -C tools OUT=$(TOOLS) HDR=$(HDR)

tests: headers tree
	@$(MAKE) -s -C tests/selftests OUT=$(TESTS) HDR=$(HDR) \
		KSFT=$(KSRC)/tools/testing/selftests

benches: headers
	@$(MAKE) -s -C tests/bench OUT=$(BENCHES) HDR=$(HDR)

initramfs: tools tests benches
	@CRIU=$(CRIU) sh tests/guest/mkinitramfs.sh $(REPO) $(BUILD) $(INITRD)

check: VARIANT := debug
check: kernel initramfs
	@sh tests/guest/run.sh $(KIMAGE) $(INITRD) check $(T)

demo: kernel initramfs
	@sh tests/guest/run.sh $(KIMAGE) $(INITRD) demo

# The guest needs room for the largest workload and its image in tmpfs;
# Debian's CRIU goes into the initramfs, to be measured on the same guest
bench: CRIU := /usr/sbin/criu
bench: criu kernel initramfs
	@GUEST_MEM=$${GUEST_MEM:-6G} sh tests/guest/run.sh $(KIMAGE) $(INITRD) bench

shell: kernel initramfs
	@sh tests/guest/run.sh $(KIMAGE) $(INITRD) shell

lint: VARIANT := debug
lint: kernel
	@sh scripts/lint.sh $(REPO) $(KSRC) $(KOBJ)

patchset: tree
	@sh scripts/patchset.sh $(REPO) $(BUILD)

clean:
	rm -rf $(BUILD)
