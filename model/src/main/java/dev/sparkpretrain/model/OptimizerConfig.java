package dev.sparkpretrain.model;

import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;

import java.io.Serializable;
import java.util.List;

/**
 * Optimizer settings baked into the DL4J graph configuration: AdamW, i.e. Adam plus <em>decoupled</em> weight decay
 * ({@code p -= lr(t) * weightDecay * p}, DL4J's {@link WeightDecay} with {@code applyLR=true}) on weight matrices and
 * embeddings only, never on biases or normalisation parameters; the learning rate warms up linearly over
 * {@code warmupSteps} and then decays to 0 at {@code totalSteps} ({@link WarmupDecaySchedule}).
 *
 * <p>Example (BERT's recipe): {@code new OptimizerConfig(1e-4, 0.9, 0.999, 1e-6, 0.01, 10_000, 1_000_000, Decay.LINEAR)}.
 */
public record OptimizerConfig(double learningRate, double beta1, double beta2, double epsilon, double weightDecay,
                              int warmupSteps, int totalSteps, Decay decay) implements Serializable {

    /** Shape of the learning rate after warm-up. */
    public enum Decay { LINEAR, COSINE, CONSTANT }

    public OptimizerConfig {
        if (!(learningRate > 0 && learningRate < 10)) {
            throw new IllegalArgumentException("learningRate must be in (0, 10), got " + learningRate);
        }
        if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
        if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
        if (!(epsilon > 0 && epsilon < 1)) throw new IllegalArgumentException("epsilon must be in (0, 1), got " + epsilon);
        if (!(weightDecay >= 0 && weightDecay < 1)) {
            throw new IllegalArgumentException("weightDecay must be in [0, 1), got " + weightDecay);
        }
        if (warmupSteps < 0) throw new IllegalArgumentException("warmupSteps must be >= 0, got " + warmupSteps);
        if (totalSteps <= 0) throw new IllegalArgumentException("totalSteps must be > 0, got " + totalSteps);
        if (warmupSteps > totalSteps) {
            throw new IllegalArgumentException("warmupSteps must be <= totalSteps, got " + warmupSteps + " > " + totalSteps);
        }
        if (decay == null) throw new IllegalArgumentException("decay must not be null");
    }

    /** BERT's pre-training recipe (lr 1e-4, betas 0.9/0.999, eps 1e-6, decay 0.01, linear) for {@code totalSteps}. */
    public static OptimizerConfig bertDefaults(int warmupSteps, int totalSteps) {
        return new OptimizerConfig(1e-4, 0.9, 0.999, 1e-6, 0.01, warmupSteps, totalSteps, Decay.LINEAR);
    }

    /** A constant learning rate without warm-up or weight decay: handy in tests. */
    public static OptimizerConfig constant(double learningRate) {
        return new OptimizerConfig(learningRate, 0.9, 0.999, 1e-8, 0.0, 0, 1, Decay.CONSTANT);
    }

    public WarmupDecaySchedule schedule() {
        return new WarmupDecaySchedule(learningRate, warmupSteps, totalSteps, decay);
    }

    /** Adam with the learning-rate schedule; weight decay comes separately from {@link #weightRegularization()}. */
    public IUpdater updater() {
        return Adam.builder().learningRateSchedule(schedule()).beta1(beta1).beta2(beta2).epsilon(epsilon).build();
    }

    /** Decoupled weight decay for weight matrices and embeddings (empty when {@code weightDecay == 0}). */
    public List<Regularization> weightRegularization() {
        return weightDecay == 0 ? List.of() : List.of(new WeightDecay(weightDecay, true));
    }
}
