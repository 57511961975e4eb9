//go:build !linux

package main

import "syscall"

// childProcAttr: only Linux can tie a child's life to its parent's; elsewhere the bench
// stops its nodes when it exits normally, on an error or on ctrl-C.
func childProcAttr() *syscall.SysProcAttr { return nil }

// selfCPU is not measured outside Linux.
func selfCPU() float64 { return 0 }
