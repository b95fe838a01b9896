# tests/fuzz/fuzz.mk - libFuzzer targets, included by the top-level Makefile
# (it uses its B, Q, WFLAGS, PKG_CFLAGS, LDLIBS, LIB_SRCS and VERSION).
#
#   make fuzz          build, then fuzz every target FUZZ_SECONDS (30) each
#   make fuzz-replay   build, then run every target once over its committed
#                      corpus (tests/fuzz/TARGET/); part of `make check`
#   make fuzz-build    only build $(B)/fuzz/fuzz_TARGET
#
# One target per tests/fuzz/fuzz_TARGET.c.  Everything is compiled with
# clang, ASan and UBSan (UBSan aborts, so libFuzzer sees it) and coverage
# instrumentation; the library modules go into an archive so each target
# links only the modules it uses.  A libFuzzer binary given files instead
# of a directory runs each of them once and exits: that is replay mode.
# See tests/fuzz/README.

FUZZ_CC		?= clang
FUZZ_B		 = $(B)/fuzz
FUZZ_TARGETS	:= m3u8 tsscan config json control http_path msg ace m3u_list xmltv access
FUZZ_SAN	:= -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS	 = $(WFLAGS) -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN) \
		   -fsanitize=fuzzer-no-link $(SRC_DIRS:%=-Isrc/%) $(PKG_CFLAGS) \
		   -D_GNU_SOURCE -DRINGCAST_VERSION='"$(VERSION)"' -MMD -MP
FUZZ_LIB	 = $(FUZZ_B)/libringcast.a
FUZZ_LIB_OBJS	 = $(LIB_SRCS:%=$(FUZZ_B)/obj/src/%.o)
FUZZ_BINS	 = $(FUZZ_TARGETS:%=$(FUZZ_B)/fuzz_%)
FUZZ_OBJS	 = $(FUZZ_TARGETS:%=$(FUZZ_B)/obj/fuzz/fuzz_%.o)

.PHONY: fuzz fuzz-replay fuzz-build
.SECONDARY: $(FUZZ_OBJS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@B=$(B) FUZZ_NO_BUILD=1 sh tests/fuzz/run

# Without clang the replay is skipped (with a message), not failed.
ifneq ($(shell command -v $(FUZZ_CC) 2>/dev/null),)
fuzz-replay: fuzz-build
	@B=$(B) FUZZ_NO_BUILD=1 sh tests/fuzz/run --replay
else
fuzz-replay:
	@echo "fuzz-replay: $(FUZZ_CC) not found, skipped (make deps)"
endif

$(FUZZ_B)/obj/src/%.o: src/%.c
	@mkdir -p $(@D)
	@echo "  FUZZCC  $<"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_B)/obj/fuzz/%.o: tests/fuzz/%.c
	@mkdir -p $(@D)
	@echo "  FUZZCC  $<"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	@rm -f $@
	$(Q)ar rcs $@ $^

# Modules outside the library that a target tests (their other callees
# are stubbed in the target).
$(FUZZ_B)/fuzz_control: $(FUZZ_B)/obj/src/master/control.o
$(FUZZ_B)/fuzz_http_path: $(FUZZ_B)/obj/src/http/http_stream.o \
    $(FUZZ_B)/obj/src/http/http_edge.o $(FUZZ_B)/obj/src/http/http_dynamic.o \
    $(FUZZ_B)/obj/src/http/http.o $(FUZZ_B)/obj/src/http/client.o \
    $(FUZZ_B)/obj/src/http/fanout.o

$(FUZZ_B)/fuzz_%: $(FUZZ_B)/obj/fuzz/fuzz_%.o $(FUZZ_LIB)
	@echo "  FUZZLD  $@"
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ \
	    $(filter %.o,$^) $(FUZZ_LIB) $(LDLIBS)
