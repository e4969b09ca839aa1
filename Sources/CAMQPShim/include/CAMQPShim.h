#ifndef COVERPAY_AMQP_SHIM_H
#define COVERPAY_AMQP_SHIM_H
#include <amqp.h>
#include <amqp_framing.h>

/// amqp_login is variadic, which Swift cannot call; this fixes the PLAIN mechanism's two arguments.
amqp_rpc_reply_t coverpay_amqp_login_plain(amqp_connection_state_t state, const char *vhost,
                                           int channel_max, int frame_max, int heartbeat,
                                           const char *user, const char *password);

/// rabbitmq-c spells these as casting macros, which Swift does not import.
static const amqp_method_number_t coverpay_method_basic_ack = AMQP_BASIC_ACK_METHOD;
static const amqp_method_number_t coverpay_method_basic_nack = AMQP_BASIC_NACK_METHOD;
static const amqp_method_number_t coverpay_method_basic_return = AMQP_BASIC_RETURN_METHOD;
static const amqp_method_number_t coverpay_method_basic_get_ok = AMQP_BASIC_GET_OK_METHOD;
static const amqp_method_number_t coverpay_method_channel_close = AMQP_CHANNEL_CLOSE_METHOD;
static const amqp_method_number_t coverpay_method_channel_close_ok = AMQP_CHANNEL_CLOSE_OK_METHOD;
static const amqp_method_number_t coverpay_method_connection_close = AMQP_CONNECTION_CLOSE_METHOD;
static const amqp_method_number_t coverpay_method_connection_close_ok = AMQP_CONNECTION_CLOSE_OK_METHOD;
static const amqp_flags_t coverpay_flag_content_type = AMQP_BASIC_CONTENT_TYPE_FLAG;
static const amqp_flags_t coverpay_flag_headers = AMQP_BASIC_HEADERS_FLAG;
static const amqp_flags_t coverpay_flag_delivery_mode = AMQP_BASIC_DELIVERY_MODE_FLAG;
static const amqp_flags_t coverpay_flag_message_id = AMQP_BASIC_MESSAGE_ID_FLAG;
static const amqp_flags_t coverpay_flag_timestamp = AMQP_BASIC_TIMESTAMP_FLAG;
static const amqp_flags_t coverpay_flag_type = AMQP_BASIC_TYPE_FLAG;
static const amqp_flags_t coverpay_flag_expiration = AMQP_BASIC_EXPIRATION_FLAG;
#endif
