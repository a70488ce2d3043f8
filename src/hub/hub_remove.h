/* hub_remove.h -- taking a pulled model out of the Hub cache.
 *
 * Removes the snapshot link of a model file (every shard of a split model),
 * then each blob no snapshot of the repository links to any more, then the
 * directories left empty; when no snapshot of the repository is left, its
 * refs and folder go too. Blobs still linked from another snapshot (another
 * revision, or another file with the same bytes) stay. Only paths inside the
 * cache's layout are touched. Thread-safety: not against a concurrent pull of
 * the same repository (the caller unloads the model first). */
#ifndef SY_HUB_REMOVE_H
#define SY_HUB_REMOVE_H

#include "util/err.h"

/* link: <cache>/models--org--name/snapshots/<commit>/<path> as the registry
 * lists it. Returns: SY_OK; SY_EINVAL if link is not inside a Hub cache
 * snapshot; SY_EIO naming what could not be removed. */
sy_code hub_remove_model_file(const char *link, struct sy_err *err);

#endif
