/*
 * Eva harness for the protocol decoders: fully unknown bytes of any length
 * up to one past the maximum message size, an unknown number of handles.
 * Run by `make proof-proto` (mk/proto.mk) on the bare C (-no-annot): it
 * must report zero alarms, i.e. no runtime error for any input.  The
 * contracts are proven by WP.  The reply decoder and the list reader run on
 * the same unknown bytes.
 */
#include "__fc_builtin.h"
#include "procmgr/proto.h"

static uint8_t msg[PM_PROTO_MAX_MSG + 1u];
static pm_proto_request req;
static pm_proto_reply rep;

int eva_main(void);

int eva_main(void)
{
    size_t len;
    uint32_t handles;
    pm_status st;
    pm_proto_info info;

    Frama_C_make_unknown((char *)msg, sizeof msg);
    len = Frama_C_size_t_interval(0, sizeof msg);
    handles = Frama_C_unsigned_int_interval(0, 0xFFFFFFFFu);

    st = pm_proto_decode_request(msg, len, handles, &req);

    st = pm_proto_decode_reply(msg, len, handles, &rep);
    if (st == PM_OK && rep.list_count > 0u)
        st = pm_proto_reply_list_entry(msg, len, &rep,
                                       Frama_C_unsigned_int_interval(0, 0xFFFFFFFFu),
                                       &info);
    return (int)st;
}
