/* limits.h -- every size limit in Switchyard, in one place.
 *
 * Anything built from input (request bodies, JSON strings, frames from a
 * worker, files we parse) is bounded by one of these. Configurable limits have
 * their defaults here and their overrides in config.c. */
#ifndef SY_LIMITS_H
#define SY_LIMITS_H

/* HTTP */
#define SY_HTTP_BODY_MAX_DEFAULT (8u * 1024 * 1024) /* bytes of one request body */
#define SY_AUDIO_UPLOAD_MAX (32u * 1024 * 1024)     /* bytes of an audio upload (OpenAI: 25 MB) */
#define SY_IMAGE_UPLOAD_MAX (64u * 1024 * 1024)     /* bytes of an image-edit form (its pictures) */
#define SY_HTTP_URL_MAX 4096                        /* bytes of a request target */
#define SY_HTTP_STREAM_BUFFER_MAX (4u * 1024 * 1024) /* bytes queued for one slow stream reader */
#define SY_CALL_TEXT_MAX (64u * 1024 * 1024)         /* bytes of text one response may collect */
#define SY_CALL_AUDIO_MAX (256u * 1024 * 1024)       /* bytes of samples one response may collect */
#define SY_HTTP_POOL_THREADS_DEFAULT 4
#define SY_HTTP_CONNECTIONS_MAX 1024
#define SY_HTTP_CONNECTIONS_OWN 32 /* of those, kept for 127.0.0.1 / ::1 */
#define SY_CALL_IMAGES_MAX (256u * 1024 * 1024) /* bytes of pictures one response may collect */
#define SY_CALL_MEDIA_MAX (256u * 1024 * 1024)  /* bytes of the video or music one response holds */
#define SY_CALL_VECTORS_MAX (256u * 1024 * 1024) /* bytes of embeddings one response may collect */
#define SY_METRICS_TEXT_MAX (16u * 1024 * 1024)    /* bytes of one /metrics answer */

/* JSON request content */
#define SY_JSON_DEPTH_MAX 32          /* nesting of objects/arrays */
#define SY_MESSAGES_MAX 4096          /* chat messages in one request */
#define SY_STOP_MAX 16                /* stop sequences */
#define SY_STOP_LEN_MAX 256           /* bytes of one stop sequence */
#define SY_MODEL_ID_MAX 256           /* bytes of a model id */
#define SY_PHRASES_MAX 256            /* phrases a recognition may be limited to */
#define SY_PHRASE_LEN_MAX 256         /* bytes of one phrase */
#define SY_IMAGES_MAX 10              /* pictures one request may ask for (OpenAI's n) */
#define SY_REFERENCE_IMAGES_MAX 16    /* pictures one request may start from (image-to-image) */
#define SY_REFERENCE_IMAGE_BYTES_MAX (20u * 1024 * 1024) /* bytes of one such picture */
#define SY_MEDIA_SECONDS_MAX 600      /* longest video or music a request may ask for */
#define SY_EMBED_INPUTS_MAX 2048      /* texts one embeddings request may hold (OpenAI's) */
#define SY_SPEECH_TEXT_MAX (64u * 1024) /* bytes of text one speech request may say */

/* Videos made for OpenAI's /v1/videos, kept until deleted or expired */
#define SY_VIDEO_JOBS_MAX 64                     /* jobs kept at once */
#define SY_VIDEO_STORE_MAX (1024u * 1024 * 1024) /* bytes of their files, together */
#define SY_VIDEO_TTL_S 3600                      /* how long a finished job is kept */
#define SY_VIDEO_PROMPT_MAX 32000                /* bytes of a video's prompt */

/* Worker protocol */
#define SY_FRAME_MAX (16u * 1024 * 1024) /* bytes of one framed message */

/* Model files */
#define SY_MODELS_MAX 1024               /* local models listed from the models dir */
#define SY_GGUF_KV_MAX 65536             /* metadata pairs in one GGUF header */
#define SY_GGUF_TENSORS_MAX 1048576      /* tensors in one GGUF file */
#define SY_GGUF_STRING_MAX (64u * 1024 * 1024) /* bytes of one GGUF string (chat templates are long) */
#define SY_GGUF_ARRAY_MAX (16u * 1024 * 1024)  /* elements of one GGUF array (vocabularies) */
#define SY_GGUF_DIMS_MAX 4

/* Config */
#define SY_CONFIG_FILE_MAX (1024u * 1024)

#endif
