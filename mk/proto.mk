# Wire protocol codec (spec/protocol.md): freestanding, proven with WP and Eva.
PROTO_SRCS := src/proto/decode.c src/proto/encode.c src/proto/client.c src/proto/wire.c
CORE_SRCS  += $(PROTO_SRCS)
UNIT_TESTS += $(O)/tests/test_proto $(O)/tests/test_proto_vectors

# The vector file is read at run time; make runs tests from the repository root.
$(O)/obj/tests/unit/test_proto_vectors.o: CPPFLAGS += -DPROTO_VECTORS='"spec/protocol-vectors.txt"'

PROTO_FRAMA := -cpp-extra-args="-Iinclude -Ispec -Isrc/proto"

.PHONY: proof-proto proof-proto-wp proof-proto-eva
PROOFS += proof-proto
proof-proto: proof-proto-wp proof-proto-eva

# WP: runtime errors and every contract of the four codec sources.
proof-proto-wp:
	@proofs/frama-wp.sh proto $(O)/proofs -- $(PROTO_FRAMA) $(PROTO_SRCS)

# Eva: both decoders on fully unknown bytes (proofs/proto/eva_main.c).  The
# ACSL contracts are WP's (quantified predicates Eva cannot decide, and Eva
# would otherwise reduce its states by unproven contracts); Eva runs on the
# bare C (-no-annot) so that its zero alarms rest on the code alone.
proof-proto-eva:
	@proofs/frama-eva.sh proto $(O)/proofs -- $(PROTO_FRAMA) -no-annot \
	  -main eva_main -eva-precision 5 \
	  proofs/proto/eva_main.c src/proto/decode.c src/proto/client.c src/proto/wire.c
