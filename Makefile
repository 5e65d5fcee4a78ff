# paced - build, run and test.
#   make          build build/paced
#   make run      build and start paced on its built-in defaults
#   make test     every test (unit + black-box)
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
	bench-reschedule bench-metrics clean format install uninstall valgrind
all: deps $(BUILD)/paced

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

$(BUILD)/tests/obj/%.o: tests/unit/%.c $(wildcard tests/unit/*.h) \
		$(wildcard daemon/*.h) | $(BUILD)/tests/obj
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(UNIT_HELPER_LIB): $(UNIT_HELPER_OBJ) | $(BUILD)/tests
	rm -f $@ && ar rcs $@ $^

$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) \
		$(UNIT_HELPER_LIB) $(BUILD)/libpaced.a | $(BUILD)/tests
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< $(UNIT_HELPER_LIB) \
		$(BUILD)/libpaced.a $(PKG_LIBS) $(shell pkg-config --libs cmocka)

$(BUILD) $(BUILD)/obj $(BUILD)/gen $(BUILD)/tests $(BUILD)/tests/obj:
	mkdir -p $@

run: all
	./$(BUILD)/paced

unit: deps $(UNIT_BIN)
	@sh tools/run_unit.sh $(UNIT_BIN)

# Black-box files run BLACKBOX_JOBS at a time (tests/blackbox/run.py -j):
# most of the suite waits on the clock, not the CPU.
BLACKBOX_JOBS ?= 4

blackbox: deps $(BUILD)/paced
	python3 tests/blackbox/run.py -j $(BLACKBOX_JOBS)

test: deps $(BUILD)/paced $(UNIT_BIN)
	@sh tools/run_unit.sh $(UNIT_BIN)
	python3 tests/blackbox/run.py -j $(BLACKBOX_JOBS)

# The whole suite again with AddressSanitizer and UndefinedBehaviorSanitizer,
# in its own build directory so the normal build stays as it is.
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
asan: deps
	$(MAKE) BUILD=build/asan OPT="$(ASAN_FLAGS)" HARDEN= \
		LDFLAGS="-fsanitize=address,undefined" build/asan/paced \
		$(patsubst $(BUILD)/%,build/asan/%,$(UNIT_BIN))
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		sh tools/run_unit.sh $(patsubst $(BUILD)/%,build/asan/%,$(UNIT_BIN))
	ASAN_OPTIONS=detect_leaks=1 PACED_BIN=$(CURDIR)/build/asan/paced \
		python3 tests/blackbox/run.py -j $(BLACKBOX_JOBS)

# The black-box suite with paced under valgrind's memcheck: any memory
# error or definite leak fails the test that caused it (see
# tools/valgrind-paced.sh). Slow, so test time limits are doubled.
valgrind: deps $(BUILD)/paced
	PACED_BIN=$(CURDIR)/tools/valgrind-paced.sh BLACKBOX_TIMEOUT_SCALE=2 \
		python3 tests/blackbox/run.py -j $(BLACKBOX_JOBS) $(FILTER)

# Scheduler figures (see bench/): CPU of an idle daemon holding 100 000
# projects over a minute, and the cost of one reschedule.
bench-idle: all
	sh bench/idle.sh 100000 60

# What one /metrics scrape costs with 10 000 projects.
bench-metrics: all
	sh bench/metrics.sh 10000 20

$(BUILD)/bench/reschedule: bench/reschedule.c $(BUILD)/libpaced.a
	mkdir -p $(BUILD)/bench
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libpaced.a \
		$(PKG_LIBS)

bench-reschedule: deps $(BUILD)/bench/reschedule
	$(BUILD)/bench/reschedule 100000 10

# The write path against nginx and prometheus-pushgateway, and the alert
# latency (bench/run, about two minutes); start-up and reads with a
# million projects and ten million updates (bench/scale, longer).
$(BUILD)/bench/openloop: bench/openloop.c
	mkdir -p $(BUILD)/bench
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

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

install: $(BUILD)/paced
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR)/paced
	install -m 0755 $(BUILD)/paced $(DESTDIR)$(BINDIR)/paced
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

format:
	clang-format -i daemon/*.c daemon/*.h tests/unit/*.c \
		$(wildcard tests/unit/*.h)

clean:
	rm -rf $(BUILD)

-include $(wildcard $(BUILD)/obj/*.d)
