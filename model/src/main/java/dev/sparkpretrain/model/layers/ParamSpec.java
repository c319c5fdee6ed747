package dev.sparkpretrain.model.layers;

import java.util.Arrays;

/**
 * One parameter of a layer: its name (no underscores: DL4J splits {@code layer_param} at the last one), shape and
 * role. The role decides initialisation and regularisation: weights are drawn from N(0, initStd²) and get weight decay;
 * biases and norm parameters start at 0 (gains at 1) and never decay.
 */
public record ParamSpec(String name, long[] shape, Role role, double initStd, double[] blockStds) {

    public enum Role { WEIGHT, BIAS, NORM_GAIN, NORM_BIAS }

    public ParamSpec {
        if (name == null || name.isEmpty() || name.contains("_")) {
            throw new IllegalArgumentException("name must be non-empty without '_', got " + name);
        }
        shape = shape.clone();
        if (blockStds != null && shape[shape.length - 1] % blockStds.length != 0) {
            throw new IllegalArgumentException(name + ": last dimension not divisible into " + blockStds.length + " blocks");
        }
    }

    public ParamSpec(String name, long[] shape, Role role, double initStd) {
        this(name, shape, role, initStd, null);
    }

    /** A weight whose last dimension is split into equal blocks initialised with their own standard deviations. */
    public static ParamSpec weightBlocks(String name, double[] stds, long... shape) {
        return new ParamSpec(name, shape, Role.WEIGHT, stds[0], stds.clone());
    }

    public static ParamSpec weight(String name, double std, long... shape) {
        return new ParamSpec(name, shape, Role.WEIGHT, std);
    }

    public static ParamSpec bias(String name, long size) {
        return new ParamSpec(name, new long[] {size}, Role.BIAS, 0);
    }

    public static ParamSpec gain(String name, long size) {
        return new ParamSpec(name, new long[] {size}, Role.NORM_GAIN, 0);
    }

    public static ParamSpec normBias(String name, long size) {
        return new ParamSpec(name, new long[] {size}, Role.NORM_BIAS, 0);
    }

    public long length() {
        return Arrays.stream(shape).reduce(1, (a, b) -> a * b);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ParamSpec p && p.name.equals(name) && Arrays.equals(p.shape, shape) && p.role == role
                && p.initStd == initStd && Arrays.equals(p.blockStds, blockStds);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape) + " " + role;
    }
}
