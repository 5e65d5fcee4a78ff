# paced - build, run and test.
#   make          build build/paced and build/pacectl (the client)
#   make run      build and start paced on its built-in defaults
#   make test     every test (unit + black-box)
#   make fuzz     each libFuzzer target for FUZZ_SECONDS (tests/fuzz/)
#   make install  binary, systemd units, man page and (if absent) the config;
#                 PREFIX (default /usr/local) and DESTDIR as usual
# Missing Debian build dependencies are installed first (as root) or the
# exact apt-get command is printed (tools/deps.sh).

CC ?= cc
PKGS := libuv libcurl sqlite3 jansson inih libsystemd libcrypto
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lhttp_parser -lm

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wno-format-nonliteral -Werror
OPT ?= -O2 -g
HARDEN := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
CFLAGS ?=
CFLAGS += -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(HARDEN) -iquote daemon -iquote build/gen
LDFLAGS += -pie -Wl,-z,relro,-z,now

BUILD := build
DAEMON_SRC := $(sort $(wildcard daemon/*.c))
LIB_SRC := $(filter-out daemon/main.c,$(DAEMON_SRC))
LIB_OBJ := $(patsubst daemon/%.c,$(BUILD)/obj/%.o,$(LIB_SRC)) \
	$(BUILD)/obj/migrations_embedded.o
MIGRATIONS := $(shell LC_ALL=C ls migrations/*.sql 2>/dev/null | LC_ALL=C sort)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
# Every other tests/unit/*.c is a helper the test programs share: compiled
# once, archived, and linked into each test program, which takes from the
# archive only what it uses.
UNIT_HELPER_SRC := $(filter-out $(UNIT_SRC),$(sort $(wildcard tests/unit/*.c)))
UNIT_HELPER_OBJ := $(patsubst tests/unit/%.c,$(BUILD)/tests/obj/%.o,\
	$(UNIT_HELPER_SRC))
UNIT_HELPER_LIB := $(BUILD)/tests/libtestutil.a

.PHONY: all deps run test unit blackbox asan bench bench-scale bench-idle \
	bench-reschedule bench-lookup bench-definitions bench-machine \
	bench-metrics clean format install uninstall valgrind demo fuzz \
	fuzz-build
all: deps $(BUILD)/paced $(BUILD)/pacectl

deps:
	@sh tools/deps.sh

$(BUILD)/obj/%.o: daemon/%.c $(wildcard daemon/*.h) | $(BUILD)/obj
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -MMD -c -o $@ $<

$(BUILD)/gen/migrations_embedded.c: $(MIGRATIONS) $(BUILD)/embed_migrations | $(BUILD)/gen
	$(BUILD)/embed_migrations $(MIGRATIONS) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/migrations_embedded.o: $(BUILD)/gen/migrations_embedded.c daemon/migrate.h | $(BUILD)/obj
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/embed_migrations: tools/embed_migrations.c | $(BUILD)
	$(CC) -std=c11 -O1 $(WARN) -o $@ $<

$(BUILD)/libpaced.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/paced: $(BUILD)/obj/main.o $(BUILD)/libpaced.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# pacectl, the command-line client (ctl/): libcurl and jansson only, no
# libuv. It takes paced.h for the version and nothing else of daemon/.
CTL_PKGS := libcurl jansson
CTL_SRC := $(sort $(wildcard ctl/*.c))
CTL_OBJ := $(patsubst ctl/%.c,$(BUILD)/ctl/%.o,$(CTL_SRC))

$(BUILD)/ctl/%.o: ctl/%.c $(wildcard ctl/*.h) daemon/paced.h | $(BUILD)/ctl
	$(CC) $(CFLAGS) $(shell pkg-config --cflags $(CTL_PKGS) 2>/dev/null) \
		-MMD -c -o $@ $<

$(BUILD)/pacectl: $(CTL_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ \
		$(shell pkg-config --libs $(CTL_PKGS) 2>/dev/null) -lm

$(BUILD)/tests/obj/%.o: tests/unit/%.c $(wildcard tests/unit/*.h) \
		$(wildcard daemon/*.h) | $(BUILD)/tests/obj
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(UNIT_HELPER_LIB): $(UNIT_HELPER_OBJ) | $(BUILD)/tests
	rm -f $@ && ar rcs $@ $^

$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) \
		$(UNIT_HELPER_LIB) $(BUILD)/libpaced.a | $(BUILD)/tests
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< $(UNIT_HELPER_LIB) \
		$(BUILD)/libpaced.a $(PKG_LIBS) $(shell pkg-config --libs cmocka)

$(BUILD) $(BUILD)/obj $(BUILD)/gen $(BUILD)/tests $(BUILD)/tests/obj \
		$(BUILD)/ctl:
	mkdir -p $@

run: all
	./$(BUILD)/paced

# The district's 2022 plan moved to this year, with a made-up history of
# reports that shows every status; paced stays in the foreground (Ctrl-C
# stops it). DEMO_PORT (default 8080) is where it listens.
DEMO_PORT ?= 8080
demo: all
	python3 tools/demo.py run --port $(DEMO_PORT)

unit: deps $(UNIT_BIN)
	@sh tools/run_unit.sh $(UNIT_BIN)

# Black-box files run BLACKBOX_JOBS at a time (tests/blackbox/run.py -j):
# most of the suite waits on the clock, not the CPU.
BLACKBOX_JOBS ?= 4

blackbox: deps $(BUILD)/paced $(BUILD)/pacectl
	python3 tests/blackbox/run.py -j $(BLACKBOX_JOBS)

test: deps $(BUILD)/paced $(BUILD)/pacectl $(UNIT_BIN)
	@sh tools/run_unit.sh $(UNIT_BIN)
	python3 tests/blackbox/run.py -j $(BLACKBOX_JOBS)

# The whole suite again with AddressSanitizer and UndefinedBehaviorSanitizer,
# in its own build directory so the normal build stays as it is.
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
asan: deps
	$(MAKE) BUILD=build/asan OPT="$(ASAN_FLAGS)" HARDEN= \
		LDFLAGS="-fsanitize=address,undefined" build/asan/paced \
		build/asan/pacectl $(patsubst $(BUILD)/%,build/asan/%,$(UNIT_BIN))
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		sh tools/run_unit.sh $(patsubst $(BUILD)/%,build/asan/%,$(UNIT_BIN))
	ASAN_OPTIONS=detect_leaks=1 PACED_BIN=$(CURDIR)/build/asan/paced \
		PACECTL_BIN=$(CURDIR)/build/asan/pacectl \
		python3 tests/blackbox/run.py -j $(BLACKBOX_JOBS)

# The black-box suite with paced under valgrind's memcheck: any memory
# error or definite leak fails the test that caused it (see
# tools/valgrind-paced.sh). Slow, so test time limits are doubled, and
# the few tests that measure wall-clock timing are skipped
# (PACED_UNDER_VALGRIND, harness.not_under_valgrind).
valgrind: deps $(BUILD)/paced
	PACED_BIN=$(CURDIR)/tools/valgrind-paced.sh BLACKBOX_TIMEOUT_SCALE=2 \
		PACED_UNDER_VALGRIND=1 \
		python3 tests/blackbox/run.py -j $(BLACKBOX_JOBS) $(FILTER)

# libFuzzer targets (tests/fuzz/README.md): the daemon's sources again,
# with clang, coverage instrumentation and ASan/UBSan, in build/fuzz so
# the normal build stays as it is; then each target runs for FUZZ_SECONDS
# on its seeds (FUZZ_TARGETS picks some, FUZZ_ARGS adds libFuzzer flags).
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= http json conf json_plain
FUZZ_ARGS ?=
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link \
	$(FUZZ_SAN)
FUZZ_HELPER_SRC := tests/fuzz/conf_text.c tests/fuzz/fuzz_daemon.c

$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_HELPER_SRC) \
		$(wildcard tests/fuzz/*.h) $(BUILD)/libpaced.a
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -iquote tests/fuzz -fsanitize=fuzzer \
		-o $@ $< $(FUZZ_HELPER_SRC) $(BUILD)/libpaced.a $(PKG_LIBS)

fuzz-build: deps
	$(MAKE) BUILD=build/fuzz CC=$(FUZZ_CC) OPT="$(FUZZ_OPT)" HARDEN= \
		$(patsubst %,build/fuzz/fuzz_%,$(FUZZ_TARGETS))

fuzz: fuzz-build
	sh tools/fuzz.sh $(FUZZ_SECONDS) "$(FUZZ_ARGS)" $(FUZZ_TARGETS)

# Scheduler figures (see bench/): CPU of an idle daemon holding 100 000
# projects over a minute, and the cost of one reschedule.
bench-idle: all
	sh bench/idle.sh 100000 60

# What one /metrics scrape costs with 10 000 projects.
bench-metrics: all
	sh bench/metrics.sh 10000 20

# The micro-benchmarks that call the daemon's modules directly.
$(BUILD)/bench/reschedule $(BUILD)/bench/lookup $(BUILD)/bench/definitions: \
		$(BUILD)/bench/%: \
		bench/%.c bench/seconds.h $(BUILD)/libpaced.a
	mkdir -p $(BUILD)/bench
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libpaced.a \
		$(PKG_LIBS)

bench-reschedule: deps $(BUILD)/bench/reschedule
	$(BUILD)/bench/reschedule 100000 10

# The registry's look-up by id with a million projects.
bench-lookup: deps $(BUILD)/bench/lookup
	$(BUILD)/bench/lookup 1000000 2000000

# Reading one stored project definition: jansson, json_plain, in all.
bench-definitions: deps $(BUILD)/bench/definitions
	$(BUILD)/bench/definitions 300000

# What the machine charges for a system call, for memory out of cache, for
# waking another thread and for an fdatasync (on the disk of build/).
bench-machine: $(BUILD)/bench/machine
	$(BUILD)/bench/machine 160 $(BUILD)

# The write path against nginx and prometheus-pushgateway, and the alert
# latency (bench/run, about two minutes); start-up and reads with a
# million projects and ten million updates (bench/scale, longer).
$(BUILD)/bench/openloop $(BUILD)/bench/machine: $(BUILD)/bench/%: bench/%.c
	mkdir -p $(BUILD)/bench
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<
$(BUILD)/bench/machine: bench/seconds.h
$(BUILD)/bench/machine: LDFLAGS += -pthread

bench: all $(BUILD)/bench/openloop
	sh bench/run

bench-scale: all $(BUILD)/bench/openloop
	sh bench/scale

# Installation. The unit is shipped with ExecStart=/usr/bin/paced and
# -c /etc/paced/paced.conf; the installed copy points at BINDIR and
# SYSCONFDIR. The unit's ConfigurationDirectory= is always under /etc.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc

install: $(BUILD)/paced $(BUILD)/pacectl
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR)/paced
	install -m 0755 $(BUILD)/paced $(DESTDIR)$(BINDIR)/paced
	install -d $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(BUILD)/pacectl $(DESTDIR)$(BINDIR)/pacectl
	install -m 0644 doc/pacectl.1 $(DESTDIR)$(MANDIR)/man1/pacectl.1
	sed -e 's|/usr/bin/paced|$(BINDIR)/paced|' \
		-e 's|/etc/paced/paced.conf|$(SYSCONFDIR)/paced/paced.conf|' \
		systemd/paced.service > $(BUILD)/paced.service
	install -m 0644 $(BUILD)/paced.service $(DESTDIR)$(UNITDIR)/paced.service
	install -m 0644 systemd/paced.socket $(DESTDIR)$(UNITDIR)/paced.socket
	install -m 0644 doc/paced.8 $(DESTDIR)$(MANDIR)/man8/paced.8
	@# An operator's configuration is never replaced.
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/paced/paced.conf ]; then \
		echo "keeping $(DESTDIR)$(SYSCONFDIR)/paced/paced.conf;" \
			"the new reference is config/paced.conf"; \
	else \
		echo "install -m 0644 config/paced.conf" \
			"$(DESTDIR)$(SYSCONFDIR)/paced/paced.conf"; \
		install -m 0644 config/paced.conf \
			$(DESTDIR)$(SYSCONFDIR)/paced/paced.conf; \
	fi

# Leaves the configuration and /var/lib/paced (the data) in place.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/paced $(DESTDIR)$(UNITDIR)/paced.service \
		$(DESTDIR)$(UNITDIR)/paced.socket $(DESTDIR)$(MANDIR)/man8/paced.8
	rm -f $(DESTDIR)$(BINDIR)/pacectl $(DESTDIR)$(MANDIR)/man1/pacectl.1

format:
	clang-format -i daemon/*.c daemon/*.h ctl/*.c ctl/*.h tests/unit/*.c \
		$(wildcard tests/unit/*.h)

clean:
	rm -rf $(BUILD)

-include $(wildcard $(BUILD)/obj/*.d)
-include $(wildcard $(BUILD)/ctl/*.d)
