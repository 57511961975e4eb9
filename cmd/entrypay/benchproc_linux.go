package main

import "syscall"

// childProcAttr makes the kernel kill a node the bench started when the bench dies
// without stopping it (SIGKILL, a crash): a forgotten node would keep running jobs on the
// database. (Strictly, when the thread that started it exits; Go keeps its threads.)
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// selfCPU returns this process's user and system CPU seconds.
func selfCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
