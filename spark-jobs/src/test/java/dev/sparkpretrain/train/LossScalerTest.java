package dev.sparkpretrain.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LossScalerTest {
  @Test
  void overflowHalvesAndCleanWindowDoubles() {
    LossScaler s = LossScaler.initial(3);
    assertEquals(65536.0, s.scale());
    s = s.next(true);
    assertEquals(32768.0, s.scale(), "overflow halves");
    s = s.next(false).next(false);
    assertEquals(32768.0, s.scale(), "not yet a full clean window");
    s = s.next(false);
    assertEquals(65536.0, s.scale(), "3 clean steps double");
    assertEquals(0, s.cleanSteps());
    s = s.next(false).next(true);
    assertEquals(32768.0, s.scale());
    assertEquals(0, s.cleanSteps(), "an overflow restarts the window");
  }

  @Test
  void neverBelowTheMinimum() {
    LossScaler s = new LossScaler(2, 0, 10, 1.0);
    assertEquals(1.0, s.next(true).next(true).next(true).scale());
  }
}
