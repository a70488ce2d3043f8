/* hf_mapping.h -- which of a Hub model's tasks Hugging Face Inference
 * Providers can run for Switchyard, from the Hub's inferenceProviderMapping.
 *
 * The router's OpenAI-compatible /v1 serves chat models (they are in its model
 * list); every other task goes to a provider's own endpoint with a payload of
 * its own. Switchyard relays the hf-inference provider's task endpoints
 * ({"inputs", "parameters"}): text-to-image, image-to-image (a drawing from
 * one picture), text-to-audio (music), and feature-extraction (or
 * sentence-similarity, which hf-inference serves from the same pipeline).
 * Live mappings to other providers are named, so a refusal can say where the
 * model does run. Thread-safety: pure functions. */
#ifndef SY_HF_MAPPING_H
#define SY_HF_MAPPING_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct hf_mapping {
    uint32_t tasks;          /* SY_TASK_BIT of each task relayed through hf-inference */
    bool from_text;          /* it draws from a prompt alone (text-to-image) */
    bool from_picture;       /* it draws from a picture and a prompt (image-to-image) */
    char pipeline_tag[64];   /* the Hub's, or "" */
    char elsewhere[512];     /* "fal-ai (text-to-video), replicate (text-to-image)": live
                              * mappings not relayed; "" if none */
};

/* Reads a model's info as the catalog gives it (catalog_model: its
 * pipeline_tag and inferenceProviderMapping) into *out. */
void hf_mapping_read(const json_t *info, struct hf_mapping *out);

#endif
