// gochurn: a Go program whose heap grows and shrinks, so that the Go runtime's scavenger
// returns memory to the kernel (madvise) while goroutines allocate in parallel.
package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
)

func main() {
	var total int
	for round := 0; round < 12; round++ {
		var wg sync.WaitGroup
		var mu sync.Mutex
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				var keep [][]byte
				for i := 0; i < 3000; i++ {
					keep = append(keep, make([]byte, 1024+(i*7919+g*104729)%131072))
				}
				mu.Lock()
				total += len(keep)
				mu.Unlock()
			}(g)
		}
		wg.Wait()
		runtime.GC()
		if round%3 == 2 {
			debug.FreeOSMemory()
		}
	}
	fmt.Println("allocated", total)
}
