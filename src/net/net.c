/* What every transport shares: freeing through the table, freeing read values. */
#include "net/net.h"

#include <stdlib.h>

void dnasync_net_free(dnasync_net_t *net)
{
    if (net)
        net->ops->free(net);
}

void dnasync_net_values_free(dnasync_net_value_t *v, size_t count)
{
    for (size_t i = 0; v && i < count; i++)
        free(v[i].data);
    free(v);
}
