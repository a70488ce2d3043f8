/* exchange_impl.h -- what other files of src/http may see of an exchange that
 * handlers may not: the libmicrohttpd connection behind it. */
#ifndef SY_HTTP_EXCHANGE_IMPL_H
#define SY_HTTP_EXCHANGE_IMPL_H

#include <microhttpd.h>
#include <stddef.h>

#include "http/exchange.h"

/* Returns: the connection the exchange arrived on (borrowed). */
struct MHD_Connection *exchange_connection(const struct http_exchange *ex);

/* Returns: the most bytes the exchange's body may have (its route's limit). */
size_t exchange_body_limit(const struct http_exchange *ex);

#endif
