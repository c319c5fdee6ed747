package dev.sparkpretrain.train;

import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Binds the calling task's thread to the GPU that Spark's resource scheduling assigned to the task
 * ({@code spark.task.resource.gpu.amount}), so two tasks on one executor never share a device by accident. Without
 * a GPU resource (CPU backend, local mode) it does nothing.
 */
final class GpuBinding {
  private GpuBinding() {}

  /** @return the device index bound, or -1 when the task has no GPU */
  static int bindTaskGpu() {
    TaskContext task = TaskContext.get();
    if (task == null) {
      return -1;
    }
    ResourceInformation gpu = task.resourcesJMap().get("gpu");
    if (gpu == null || gpu.addresses().length == 0) {
      return -1;
    }
    int device = Integer.parseInt(gpu.addresses()[0].trim());
    // ND4J keeps the current device per thread; Spark runs each task on its own thread.
    Nd4j.getAffinityManager().unsafeSetDevice(device);
    return device;
  }
}
