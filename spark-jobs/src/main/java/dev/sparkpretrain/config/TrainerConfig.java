package dev.sparkpretrain.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;

/**
 * The parameter-averaging trainer. One optimizer step = {@code gradient_accumulation} micro-batches of
 * {@code micro_batch_size} examples on each worker; every {@code averaging_frequency} steps the workers'
 * parameters and optimizer state are averaged on the driver. With {@code threads_per_worker} N > 1 a worker runs
 * its micro-batches N at a time on N replicas of the model sharing one parameter array (one thread each, FP32, CPU
 * backend; the step is the same whatever N), so each task should get N cores ({@code spark.task.cpus}).
 */
public record TrainerConfig(
    Integer workers,
    @JsonProperty("micro_batch_size") Integer microBatchSize,
    @JsonProperty("gradient_accumulation") Integer gradientAccumulation,
    @JsonProperty("averaging_frequency") Integer averagingFrequency,
    @JsonProperty("max_steps") Integer maxSteps,
    @JsonProperty("learning_rate") Double learningRate,
    @JsonProperty("warmup_steps") Integer warmupSteps,
    Decay decay,
    @JsonProperty("weight_decay") Double weightDecay,
    @JsonProperty("adam_beta1") Double adamBeta1,
    @JsonProperty("adam_beta2") Double adamBeta2,
    @JsonProperty("adam_epsilon") Double adamEpsilon,
    @JsonProperty("max_grad_norm") Double maxGradNorm,
    @JsonProperty("checkpoint_every") Integer checkpointEvery,
    @JsonProperty("keep_checkpoints") Integer keepCheckpoints,
    Precision precision,
    @JsonProperty("loss_scale_window") Integer lossScaleWindow,
    @JsonProperty("threads_per_worker") Integer threadsPerWorker)
    implements Serializable {

  public enum Decay {
    @JsonProperty("linear") LINEAR,
    @JsonProperty("cosine") COSINE,
    @JsonProperty("constant") CONSTANT
  }

  public enum Precision {
    @JsonProperty("fp32") FP32,
    @JsonProperty("fp16") FP16,
    @JsonProperty("bf16") BF16
  }

  public TrainerConfig {
    workers = workers == null ? 2 : workers;
    microBatchSize = microBatchSize == null ? 16 : microBatchSize;
    gradientAccumulation = gradientAccumulation == null ? 1 : gradientAccumulation;
    averagingFrequency = averagingFrequency == null ? 10 : averagingFrequency;
    maxSteps = maxSteps == null ? 1000 : maxSteps;
    learningRate = learningRate == null ? 1e-4 : learningRate;
    warmupSteps = warmupSteps == null ? 0 : warmupSteps;
    decay = decay == null ? Decay.LINEAR : decay;
    weightDecay = weightDecay == null ? 0.01 : weightDecay;
    adamBeta1 = adamBeta1 == null ? 0.9 : adamBeta1;
    adamBeta2 = adamBeta2 == null ? 0.999 : adamBeta2;
    adamEpsilon = adamEpsilon == null ? 1e-6 : adamEpsilon;
    maxGradNorm = maxGradNorm == null ? 1.0 : maxGradNorm;
    checkpointEvery = checkpointEvery == null ? 1000 : checkpointEvery;
    keepCheckpoints = keepCheckpoints == null ? 3 : keepCheckpoints;
    precision = precision == null ? Precision.FP32 : precision;
    lossScaleWindow = lossScaleWindow == null ? 1000 : lossScaleWindow; // Megatron-LM's loss_scale_window
    // One replica per worker unless asked: more need as many cores per task (spark.task.cpus).
    threadsPerWorker = threadsPerWorker == null ? 1 : threadsPerWorker;
    ConfigException.require(workers >= 1, "trainer.workers", ">= 1", workers);
    ConfigException.require(microBatchSize >= 1, "trainer.micro_batch_size", ">= 1", microBatchSize);
    ConfigException.require(gradientAccumulation >= 1, "trainer.gradient_accumulation", ">= 1", gradientAccumulation);
    ConfigException.require(averagingFrequency >= 1, "trainer.averaging_frequency", ">= 1", averagingFrequency);
    ConfigException.require(maxSteps >= 1, "trainer.max_steps", ">= 1", maxSteps);
    ConfigException.require(learningRate > 0 && learningRate < 1, "trainer.learning_rate", "a value in (0, 1)",
        learningRate);
    ConfigException.require(warmupSteps >= 0, "trainer.warmup_steps", ">= 0", warmupSteps);
    ConfigException.require(weightDecay >= 0, "trainer.weight_decay", ">= 0", weightDecay);
    ConfigException.require(adamBeta1 >= 0 && adamBeta1 < 1, "trainer.adam_beta1", "a value in [0, 1)", adamBeta1);
    ConfigException.require(adamBeta2 >= 0 && adamBeta2 < 1, "trainer.adam_beta2", "a value in [0, 1)", adamBeta2);
    ConfigException.require(adamEpsilon > 0, "trainer.adam_epsilon", "> 0", adamEpsilon);
    ConfigException.require(maxGradNorm >= 0, "trainer.max_grad_norm", ">= 0 (0 = no clipping)", maxGradNorm);
    ConfigException.require(checkpointEvery >= 1, "trainer.checkpoint_every", ">= 1", checkpointEvery);
    ConfigException.require(keepCheckpoints >= 1, "trainer.keep_checkpoints", ">= 1", keepCheckpoints);
    ConfigException.require(lossScaleWindow >= 1, "trainer.loss_scale_window", ">= 1", lossScaleWindow);
    ConfigException.require(threadsPerWorker >= 1, "trainer.threads_per_worker", ">= 1", threadsPerWorker);
    ConfigException.require(gradientAccumulation % threadsPerWorker == 0, "trainer.gradient_accumulation",
        "a multiple of trainer.threads_per_worker (" + threadsPerWorker + "): each thread runs whole micro-batches",
        gradientAccumulation);
    ConfigException.require(threadsPerWorker == 1 || precision == Precision.FP32, "trainer.threads_per_worker",
        "1 with precision " + precision.name().toLowerCase(java.util.Locale.ROOT)
            + " (the replicas share FP32 weights; a low-precision compute copy is not replicated)", threadsPerWorker);
  }

  public static TrainerConfig defaults() {
    return new TrainerConfig(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
        null, null, null);
  }

  public TrainerConfig withWorkers(int n) {
    return new TrainerConfig(n, microBatchSize, gradientAccumulation, averagingFrequency, maxSteps, learningRate,
        warmupSteps, decay, weightDecay, adamBeta1, adamBeta2, adamEpsilon, maxGradNorm, checkpointEvery,
        keepCheckpoints, precision, lossScaleWindow, threadsPerWorker);
  }

  public TrainerConfig withMaxSteps(int n) {
    return new TrainerConfig(workers, microBatchSize, gradientAccumulation, averagingFrequency, n, learningRate,
        warmupSteps, decay, weightDecay, adamBeta1, adamBeta2, adamEpsilon, maxGradNorm, checkpointEvery,
        keepCheckpoints, precision, lossScaleWindow, threadsPerWorker);
  }

  public TrainerConfig withPrecision(Precision p) {
    return new TrainerConfig(workers, microBatchSize, gradientAccumulation, averagingFrequency, maxSteps, learningRate,
        warmupSteps, decay, weightDecay, adamBeta1, adamBeta2, adamEpsilon, maxGradNorm, checkpointEvery,
        keepCheckpoints, p, lossScaleWindow, threadsPerWorker);
  }

  public TrainerConfig withThreadsPerWorker(int n) {
    return new TrainerConfig(workers, microBatchSize, gradientAccumulation, averagingFrequency, maxSteps, learningRate,
        warmupSteps, decay, weightDecay, adamBeta1, adamBeta2, adamEpsilon, maxGradNorm, checkpointEvery,
        keepCheckpoints, precision, lossScaleWindow, n);
  }
}
