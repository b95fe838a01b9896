# ringcast - live-stream fan-out proxy.  See README.
#
#   make             build ringcastd, ringcastctl, the test origin, engine, tools
#   make run         install missing packages (run set), build, run the demo
#   make check       install missing packages (test set), build, run every test
#   make check-layers  the include and call graphs go one way (STYLE.md)
#   make check-sizes   no source file over 900 lines, no function over 120
#   make check-asan  the same test suite built with ASan + UBSan
#   make check-valgrind  integration tests under valgrind memcheck
#   make soak        5-minute soak with faults (SOAK_SECONDS)
#   make fuzz        libFuzzer targets, FUZZ_SECONDS each
#   make bench       benchmarks against peers (icecast2, nginx) and of the
#                    tiers (haproxy + edges), figures printed
#   make install     PREFIX=/usr/local DESTDIR=
#   make deb         the Debian package, in build/deb/ (DEB_OUT)
#   make check-package  build, check, install and purge it (tests/package)
#   make clean

VERSION		:= 0.1.0
PREFIX		?= /usr/local
DESTDIR		?=
SYSCONFDIR	?= /etc
B		?= build
CC		?= cc
SAN		?=
# Compile jobs of the targets that build before testing (check, check-asan).
JOBS		?= $(shell nproc 2>/dev/null || echo 2)

PKGS		:= libcurl libmicrohttpd libconfig json-c libxml-2.0 zlib gnutls
PKG_CFLAGS	 = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	 = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS	 = $(shell pkg-config --libs cmocka 2>/dev/null)

# CFLAGS, CPPFLAGS and LDFLAGS from the environment or the command line
# come on top of the warnings (dpkg-buildflags' hardening, in debian/rules).
CFLAGS		?= -O2 -g
CPPFLAGS	?=
LDFLAGS		?=
WFLAGS		:= -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
		   -Wmissing-prototypes -Wno-unused-parameter
ALL_CFLAGS	 = $(WFLAGS) $(CPPFLAGS) $(CFLAGS) $(SAN) $(SRC_DIRS:%=-Isrc/%) $(PKG_CFLAGS) \
		   -D_GNU_SOURCE -DRINGCAST_VERSION='"$(VERSION)"' -MMD -MP
LDLIBS		 = $(PKG_LIBS) -lpthread -lrt -lm

# The layers, lowest first: src/<layer>/ holds its modules' .c and .h
# (README "Layout", scripts/check-layers).
SRC_DIRS	:= lib parse shm proto fetch http master

# A module is src/LAYER/NAME.c: every .c of a folder is built, so a new
# file needs no line here.  The lower layers (and the webhook process,
# whose queue test_webhook tests) are shared by the daemon, the CLI and
# the unit tests; ringcastd adds the processes.
srcs_in		 = $(patsubst src/%.c,%,$(sort $(wildcard $(1:%=src/%/*.c))))
LIB_SRCS	:= $(call srcs_in,lib parse shm proto) master/webhook
DAEMON_SRCS	:= ringcastd $(filter-out master/webhook,\
		   $(call srcs_in,fetch http master))
# The status page (src/http/ui/), compiled in as byte arrays (uifiles.h).
UI_FILES	:= src/http/ui/index.html src/http/ui/app.css src/http/ui/app.js \
		   src/http/ui/graph.js
CTL_SRCS	:= ctl

UNIT_TESTS	:= $(patsubst tests/unit/%.c,%,$(sort $(wildcard tests/unit/test_*.c)))

LIB_OBJS	:= $(LIB_SRCS:%=$(B)/obj/src/%.o)
DAEMON_OBJS	:= $(DAEMON_SRCS:%=$(B)/obj/src/%.o) $(B)/obj/gen/uifiles.o
CTL_OBJS	:= $(CTL_SRCS:%=$(B)/obj/src/%.o)
TEST_BINS	:= $(UNIT_TESTS:%=$(B)/tests/%)
ORIGIN		:= $(B)/tests/origin
ENGINE		:= $(B)/tests/engine
TOOLS		:= $(B)/tests/tsclient $(B)/tests/loadgen

PROGS		:= $(B)/ringcastd $(B)/ringcastctl

.PHONY: all progs run check check-asan check-valgrind check-layers check-sizes \
	unit integration bench soak install deb check-package clean deps deps-test deps-deb

all: $(PROGS) $(ORIGIN) $(ENGINE) $(TOOLS) $(TEST_BINS)

# Only the two programs (debian/rules builds this: no cmocka needed).
progs: $(PROGS)

Q	?= @
$(B)/obj/src/%.o: src/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/gen/uifiles.c: scripts/embed-files $(UI_FILES)
	@mkdir -p $(@D)
	@echo "  GEN     $@"
	$(Q)sh scripts/embed-files $@ $(UI_FILES)

$(B)/obj/gen/uifiles.o: $(B)/gen/uifiles.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/obj/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/ringcastd: $(DAEMON_OBJS) $(LIB_OBJS)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/ringcastctl: $(CTL_OBJS) $(LIB_OBJS)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/%: $(B)/obj/tests/unit/%.o $(LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(LDLIBS)

ORIGIN_OBJS	:= $(patsubst %,$(B)/obj/tests/origin/%.o,origin route hls ts fault \
		   stats suspend sample util)
$(ORIGIN): $(ORIGIN_OBJS) $(B)/obj/tests/lib/tsloop.o \
    $(B)/obj/tests/lib/findfile.o $(LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(ENGINE): $(B)/obj/tests/engine/engine.o $(B)/obj/tests/engine/api.o \
    $(B)/obj/tests/engine/fault.o $(B)/obj/tests/engine/play.o \
    $(B)/obj/tests/engine/reply.o $(B)/obj/tests/engine/session.o \
    $(B)/obj/tests/lib/tsloop.o $(B)/obj/tests/lib/findfile.o $(LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/tsclient: $(B)/obj/tests/tools/tsclient.o $(B)/obj/tests/lib/httpc.o \
    $(LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/loadgen: $(B)/obj/tests/tools/loadgen.o \
    $(B)/obj/tests/tools/loadgen_report.o $(B)/obj/tests/lib/httpc.o $(LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The Debian packages of each set (scripts/install-deps, README
# "Dependencies"): run = build and run, test = also what the tests run,
# deb = build the package.
deps:
	@sh scripts/install-deps run

deps-test:
	@sh scripts/install-deps test

deps-deb:
	@sh scripts/install-deps deb

run: deps
	$(MAKE) all
	@echo "ringcast demo: open http://127.0.0.1:8080/stream/demo in VLC"
	@echo "               (HLS: http://127.0.0.1:8080/hls/demo/index.m3u8)"
	$(B)/ringcastd -f -c etc/ringcast-demo.conf

unit: all
	@sh tests/run-all $(B) unit

integration: deps-test
	$(MAKE) all
	@sh scripts/install-test-js $(B)/test-js || \
	    echo "warning: hls.js not installed: the browser test will fail"
	@sh tests/run-all $(B) integration

check: deps-test
	$(MAKE) -j$(JOBS) all
	@sh scripts/install-test-js $(B)/test-js || \
	    echo "warning: hls.js not installed: the browser test will fail"
	@sh tests/run-all $(B)

check-layers: all
	@sh tests/layers/run $(B)

check-sizes:
	@sh tests/sizes/run

check-asan: deps-test
	$(MAKE) -j$(JOBS) B=build-asan CFLAGS="-O1 -g -fno-omit-frame-pointer" \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" all
	@sh scripts/install-test-js build-asan/test-js || \
	    echo "warning: hls.js not installed: the browser test will fail"
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	    LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    RINGCAST_SANITIZED=1 sh tests/run-all build-asan

check-valgrind: deps-test
	$(MAKE) all
	@sh tests/run-valgrind $(B)

soak: deps-test
	$(MAKE) all
	SOAK_SECONDS=$${SOAK_SECONDS:-300} TEST_TIMEOUT_S=$$(( $${SOAK_SECONDS:-300} + 120 )) \
	    python3 tests/integration/run.py --build $(B) test_soak

bench: deps-test
	$(MAKE) all
	@sh bench/run $(B)

install: $(PROGS)
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin \
	    $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 \
	    $(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(SYSCONFDIR)/ringcast
	install -m 0755 $(B)/ringcastd $(DESTDIR)$(PREFIX)/sbin/ringcastd
	install -m 0755 $(B)/ringcastctl $(DESTDIR)$(PREFIX)/bin/ringcastctl
	install -m 0644 man/ringcastctl.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 man/ringcast.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 man/ringcastd.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0644 etc/ringcast.conf \
	    $(DESTDIR)$(SYSCONFDIR)/ringcast/ringcast.conf.example
	test -e $(DESTDIR)$(SYSCONFDIR)/ringcast/ringcast.conf || \
	    install -m 0644 etc/ringcast.conf $(DESTDIR)$(SYSCONFDIR)/ringcast/ringcast.conf

# The package is built in a copy of this tree under DEB_OUT, where the
# .deb files are left (scripts/build-deb).
DEB_OUT		?= build/deb
deb: deps-deb
	@sh scripts/build-deb $(DEB_OUT)

check-package: deps-test
	@sh tests/package/run

clean:
	rm -rf build build-asan

include tests/fuzz/fuzz.mk

-include $(shell find $(B) -name '*.d' 2>/dev/null)
