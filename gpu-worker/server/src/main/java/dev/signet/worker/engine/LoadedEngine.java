package dev.signet.worker.engine;

import dev.signet.engine.backend.Backend;
import dev.signet.engine.deltacache.DeltaCache;
import dev.signet.engine.deltacache.DeltaSource;
import dev.signet.engine.model.LlamaCheckpoint;
import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.scheduler.Scheduler;
import dev.signet.engine.scheduler.StepLoop;
import dev.signet.engine.tokenizer.ChatTemplate;

/**
 * The engine parts of a worker once its model has loaded, in the order they were built: the checkpoint (config,
 * mapped weights, tokenizer), the chat template that renders {@code messages}, the backend, the model with its KV
 * pool, the base's digest, the delta cache over the delta source, the Medusa heads its scheduler drafts with, the
 * scheduler and the step loop that runs it.
 */
public record LoadedEngine(
        LlamaCheckpoint checkpoint,
        ChatTemplate chatTemplate,
        Backend backend,
        LlamaModel model,
        String baseDigest,
        DeltaSource source,
        DeltaCache cache,
        WorkerMedusa medusa,
        Scheduler scheduler,
        StepLoop stepLoop) {}
