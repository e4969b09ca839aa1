#ifndef COVERPAY_AMQP_SHIM_H
#define COVERPAY_AMQP_SHIM_H
#include <amqp.h>

/// amqp_login is variadic, which Swift cannot call; this fixes the PLAIN mechanism's two arguments.
amqp_rpc_reply_t coverpay_amqp_login_plain(amqp_connection_state_t state, const char *vhost,
                                           int channel_max, int frame_max, int heartbeat,
                                           const char *user, const char *password);
#endif
