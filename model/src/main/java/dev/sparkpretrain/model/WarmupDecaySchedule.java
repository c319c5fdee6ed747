package dev.sparkpretrain.model;

import org.nd4j.linalg.schedule.ISchedule;

import java.util.Objects;

/**
 * Learning rate {@code peak * step / warmupSteps} during warm-up (0 at step 0, as BERT and Hugging Face's
 * {@code get_linear_schedule_with_warmup}), then linear or cosine decay to 0 at {@code totalSteps}, or constant.
 * Steps are DL4J iterations (optimizer updates). A plain bean so that it survives the Jackson serialization of a DL4J
 * graph configuration as well as Java serialization.
 */
public final class WarmupDecaySchedule implements ISchedule {
    private double peak;
    private int warmupSteps;
    private int totalSteps;
    private OptimizerConfig.Decay decay;

    /** For Jackson. */
    public WarmupDecaySchedule() {
        this(1e-3, 0, 1, OptimizerConfig.Decay.CONSTANT);
    }

    public WarmupDecaySchedule(double peak, int warmupSteps, int totalSteps, OptimizerConfig.Decay decay) {
        this.peak = peak;
        this.warmupSteps = warmupSteps;
        this.totalSteps = totalSteps;
        this.decay = Objects.requireNonNull(decay, "decay");
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        if (iteration < warmupSteps) {
            return peak * iteration / warmupSteps;
        }
        if (decay == OptimizerConfig.Decay.CONSTANT || totalSteps <= warmupSteps) {
            return peak;
        }
        double progress = Math.min(1.0, (double) (iteration - warmupSteps) / (totalSteps - warmupSteps));
        return switch (decay) {
            case LINEAR -> peak * (1.0 - progress);
            case COSINE -> peak * 0.5 * (1.0 + Math.cos(Math.PI * progress));
            case CONSTANT -> peak;
        };
    }

    @Override
    public ISchedule clone() {
        return new WarmupDecaySchedule(peak, warmupSteps, totalSteps, decay);
    }

    public double getPeak() { return peak; }
    public void setPeak(double peak) { this.peak = peak; }
    public int getWarmupSteps() { return warmupSteps; }
    public void setWarmupSteps(int warmupSteps) { this.warmupSteps = warmupSteps; }
    public int getTotalSteps() { return totalSteps; }
    public void setTotalSteps(int totalSteps) { this.totalSteps = totalSteps; }
    public OptimizerConfig.Decay getDecay() { return decay; }
    public void setDecay(OptimizerConfig.Decay decay) { this.decay = decay; }

    @Override
    public boolean equals(Object o) {
        return o instanceof WarmupDecaySchedule s && s.peak == peak && s.warmupSteps == warmupSteps
                && s.totalSteps == totalSteps && s.decay == decay;
    }

    @Override
    public int hashCode() {
        return Objects.hash(peak, warmupSteps, totalSteps, decay);
    }

    @Override
    public String toString() {
        return "WarmupDecaySchedule(peak=" + peak + ", warmup=" + warmupSteps + ", total=" + totalSteps + ", " + decay + ")";
    }
}
