# make install / make uninstall (README "Install"), the man pages, and
# check-install.
#
#   make install [PREFIX=/usr/local] [DESTDIR=]
#
# Every directory below can be overridden on the command line.  What is
# installed: procmgrd (sbin: a system daemon; its stub loader is built into
# it), procctl and elfcheck; svcmgr (sbin) and svcctl (spec/svcmgr.md);
# libprocmgr.a, libprocmgr.so with its soname
# links, the client's headers and procmgr.pc for PREFIX; the man pages
# (doc/man/*.scd, rendered with scdoc); the bash completions and the
# systemd units (dist/).  The test drivers of $(O)/bin are not.

PREFIX         ?= /usr/local
BINDIR         ?= $(PREFIX)/bin
SBINDIR        ?= $(PREFIX)/sbin
LIBDIR         ?= $(PREFIX)/lib
INCLUDEDIR     ?= $(PREFIX)/include
PKGCONFIGDIR   ?= $(LIBDIR)/pkgconfig
MANDIR         ?= $(PREFIX)/share/man
BASHCOMPDIR    ?= $(PREFIX)/share/bash-completion/completions
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
INSTALL        ?= install

# What libprocmgr's users include: client.h and the headers it includes,
# and the version.
CLIENT_HEADERS := include/procmgr/client.h include/procmgr/proto.h \
                  include/procmgr/status.h include/procmgr/version.h

# --- man pages -----------------------------------------------------------------
MAN_PAGES := $(patsubst doc/man/%.scd,$(O)/man/%,$(wildcard doc/man/*.scd))
.PHONY: man
man: $(MAN_PAGES)
$(O)/man/%: doc/man/%.scd
	@mkdir -p $(dir $@)
	@command -v scdoc >/dev/null || { echo "$<: scdoc is needed to render the man" \
	  "pages: apt-get install scdoc (or tools/deps.sh)" >&2; exit 1; }
	scdoc < $< > $@

# --- the installed pkg-config file and unit ---------------------------------------
# ${prefix}-relative when the directory is below PREFIX, as pkg-config users
# expect (PKG_CONFIG_SYSROOT_DIR then works for a DESTDIR tree).
pc-rel = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))
$(O)/install/procmgr.pc: mk/install.mk mk/daemon.mk include/procmgr/version.h FORCE
	@mkdir -p $(dir $@)
	$(call write-pc,$(PREFIX),$(call pc-rel,$(LIBDIR)),$(call pc-rel,$(INCLUDEDIR)),$@)
$(O)/install/procmgrd.service: dist/systemd/procmgrd.service.in FORCE
	@mkdir -p $(dir $@)
	sed 's|@SBINDIR@|$(SBINDIR)|g' $< > $@
.PHONY: FORCE
FORCE:

# --- install, uninstall --------------------------------------------------------
INSTALL_BUILT := $(O)/bin/procctl $(ELFCHECK) $(O)/bin/svcctl $(O)/bin/svcmgr $(CLIENT_LIB) $(CLIENT_SO) \
                 $(O)/install/procmgr.pc $(O)/install/procmgrd.service $(MAN_PAGES)
.PHONY: install uninstall
install: $(INSTALL_BUILT) $$(if $$(KLINUX_LIB),$(O)/bin/procmgrd)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBDIR) \
	  $(DESTDIR)$(INCLUDEDIR)/procmgr $(DESTDIR)$(PKGCONFIGDIR) \
	  $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(BASHCOMPDIR) \
	  $(DESTDIR)$(SYSTEMDUNITDIR)
	$(INSTALL) -m 755 $(O)/bin/procctl $(ELFCHECK) $(O)/bin/svcctl $(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 755 $(O)/bin/svcmgr $(DESTDIR)$(SBINDIR)/
	$(if $(KLINUX_LIB),$(INSTALL) -m 755 $(O)/bin/procmgrd $(DESTDIR)$(SBINDIR)/)
	$(INSTALL) -m 644 $(CLIENT_LIB) $(DESTDIR)$(LIBDIR)/
	$(INSTALL) -m 755 $(CLIENT_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf $(notdir $(CLIENT_SO)) $(DESTDIR)$(LIBDIR)/$(CLIENT_SONAME)
	ln -sf $(CLIENT_SONAME) $(DESTDIR)$(LIBDIR)/libprocmgr.so
	$(INSTALL) -m 644 $(CLIENT_HEADERS) $(DESTDIR)$(INCLUDEDIR)/procmgr/
	$(INSTALL) -m 644 $(O)/install/procmgr.pc $(DESTDIR)$(PKGCONFIGDIR)/
	$(INSTALL) -m 644 $(filter %.1,$(MAN_PAGES)) $(DESTDIR)$(MANDIR)/man1/
	$(INSTALL) -m 644 $(filter %.8,$(MAN_PAGES)) $(DESTDIR)$(MANDIR)/man8/
	$(INSTALL) -m 644 dist/bash-completion/procctl dist/bash-completion/elfcheck \
	  $(DESTDIR)$(BASHCOMPDIR)/
	$(INSTALL) -m 644 $(O)/install/procmgrd.service dist/systemd/procmgrd.socket \
	  $(DESTDIR)$(SYSTEMDUNITDIR)/
	$(ldconfig)

# The list of installed files, for uninstall (and check-install).
INSTALLED = $(BINDIR)/procctl $(BINDIR)/elfcheck $(SBINDIR)/procmgrd \
  $(BINDIR)/svcctl $(SBINDIR)/svcmgr \
  $(LIBDIR)/libprocmgr.a $(LIBDIR)/$(notdir $(CLIENT_SO)) $(LIBDIR)/$(CLIENT_SONAME) \
  $(LIBDIR)/libprocmgr.so $(addprefix $(INCLUDEDIR)/procmgr/,$(notdir $(CLIENT_HEADERS))) \
  $(PKGCONFIGDIR)/procmgr.pc $(addprefix $(MANDIR)/man1/,$(notdir $(filter %.1,$(MAN_PAGES)))) \
  $(addprefix $(MANDIR)/man8/,$(notdir $(filter %.8,$(MAN_PAGES)))) \
  $(BASHCOMPDIR)/procctl $(BASHCOMPDIR)/elfcheck \
  $(SYSTEMDUNITDIR)/procmgrd.service $(SYSTEMDUNITDIR)/procmgrd.socket
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(DESTDIR)$(INCLUDEDIR)/procmgr
	$(ldconfig)
# The dynamic linker's cache knows the library at once when installed for
# real (as root, no DESTDIR); a DESTDIR tree is a package's to register.
ldconfig = @if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" -eq 0 ]; then ldconfig; fi
.PHONY: install-list
install-list:
	@printf '%s\n' $(INSTALLED)

# --- check-install -------------------------------------------------------------
# make install into a temporary DESTDIR with PREFIX=/usr, every listed file
# there, every man page rendered by man -l, a program built against the
# installed procmgr.pc (static and shared) running /bin/true through the
# installed procmgrd, the unit checked by systemd-analyze verify, and
# uninstall leaving nothing (tests/install/check-install.sh).
.PHONY: check-install
CHECKS += check-install
check-install: $(INSTALL_BUILT) $$(if $$(KLINUX_LIB),$(O)/bin/procmgrd)
	@if [ -n "$(KLINUX_LIB)" ]; then tests/install/check-install.sh "$(MAKE)" "$(O)" "$(CC)"; \
	 else echo "check-install: skipped, no Linux backend (KLINUX_LIB)"; fi
