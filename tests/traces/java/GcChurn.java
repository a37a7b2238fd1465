// Workload for tests/traces/java/java-g1.log: fill the G1 heap with short-lived
// arrays, drop them and System.gc() so G1 shrinks the heap and uncommits regions
// (MaxHeapFreeRatio=10, -XX:-ShrinkHeapInSteps), which shows up as mmap(MAP_FIXED|MAP_NORESERVE,
// PROT_NONE) over committed memory and madvise calls.
import java.util.ArrayList;
import java.util.List;

public class GcChurn {
    public static void main(String[] args) throws Exception {
        for (int round = 0; round < 4; round++) {
            List<byte[]> keep = new ArrayList<>();
            for (int i = 0; i < 480; i++) keep.add(new byte[256 << 10]); // 120 MiB live, not humongous
            keep = null;
            System.gc();                                                   // full GC, heap shrinks
            Thread.sleep(200);
        }
        System.out.println("done");
    }
}
