/* The one mapping between value kinds (dht/dht_codec.h) and OpenDHT value types. */
#include "dht/dht.h"

uint16_t dht_type_of_kind(int kind)
{
    switch (kind) {
    case DHT_KIND_MESSAGE: return DNASYNC_DHT_TYPE_MESSAGE;
    case DHT_KIND_TOMBSTONE: return DNASYNC_DHT_TYPE_TOMBSTONE;
    case DHT_KIND_IDENTITY: return DNASYNC_DHT_TYPE_IDENTITY;
    case DHT_KIND_SUMMARY: return DNASYNC_DHT_TYPE_SUMMARY;
    case DHT_KIND_RECEIPT: return DNASYNC_DHT_TYPE_RECEIPT;
    case DHT_KIND_BUNDLE_MESSAGE: return DNASYNC_DHT_TYPE_BUNDLE_MESSAGE;
    case DHT_KIND_BUNDLE_TOMBSTONE: return DNASYNC_DHT_TYPE_BUNDLE_TOMBSTONE;
    case DHT_KIND_BUNDLE_RECEIPT: return DNASYNC_DHT_TYPE_BUNDLE_RECEIPT;
    default: return 0;
    }
}

int dht_kind_of_type(uint16_t type)
{
    switch (type) {
    case DNASYNC_DHT_TYPE_MESSAGE: return DHT_KIND_MESSAGE;
    case DNASYNC_DHT_TYPE_TOMBSTONE: return DHT_KIND_TOMBSTONE;
    case DNASYNC_DHT_TYPE_IDENTITY: return DHT_KIND_IDENTITY;
    case DNASYNC_DHT_TYPE_SUMMARY: return DHT_KIND_SUMMARY;
    case DNASYNC_DHT_TYPE_RECEIPT: return DHT_KIND_RECEIPT;
    case DNASYNC_DHT_TYPE_BUNDLE_MESSAGE: return DHT_KIND_BUNDLE_MESSAGE;
    case DNASYNC_DHT_TYPE_BUNDLE_TOMBSTONE: return DHT_KIND_BUNDLE_TOMBSTONE;
    case DNASYNC_DHT_TYPE_BUNDLE_RECEIPT: return DHT_KIND_BUNDLE_RECEIPT;
    default: return 0;
    }
}

int dht_lifetime_days(int kind)
{
    switch (kind) {
    case DHT_KIND_MESSAGE:
    case DHT_KIND_BUNDLE_MESSAGE: return DNASYNC_DHT_TTL_MESSAGE_DAYS;
    case DHT_KIND_TOMBSTONE:
    case DHT_KIND_BUNDLE_TOMBSTONE: return DNASYNC_DHT_TTL_TOMBSTONE_DAYS;
    case DHT_KIND_IDENTITY: return DNASYNC_DHT_TTL_IDENTITY_DAYS;
    case DHT_KIND_SUMMARY: return DNASYNC_DHT_TTL_SUMMARY_DAYS;
    case DHT_KIND_RECEIPT:
    case DHT_KIND_BUNDLE_RECEIPT: return DNASYNC_DHT_TTL_RECEIPT_DAYS;
    default: return 0;
    }
}
