// Package sftptest runs a real SFTP server for tests, as net/http/httptest runs an HTTP
// one: SSH with public-key login, and the SFTP subsystem of github.com/pkg/sftp serving a
// directory.
package sftptest

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	pkgsftp "github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// Server is an SFTP server on 127.0.0.1. Relative paths are under Root.
type Server struct {
	Addr string
	// HostKey is the server's public key in authorized_keys form.
	HostKey string
	Root    string

	mu     sync.Mutex
	logins int
}

// Logins returns how many SSH logins succeeded.
func (s *Server) Logins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins
}

// Start runs a server until the test ends. It lets in user when it presents the key
// authorized (in authorized_keys form) and serves root.
func Start(t testing.TB, user, authorized, root string) *Server {
	t.Helper()
	want, _, _, _, err := ssh.ParseAuthorizedKey([]byte(authorized))
	if err != nil {
		t.Fatalf("sftptest: authorized key: %v", err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Root: root, HostKey: strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey())))}
	config := &ssh.ServerConfig{
		PublicKeyCallback: func(c ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if c.User() != user || !bytes.Equal(key.Marshal(), want.Marshal()) {
				return nil, fmt.Errorf("sftptest: %s with key %s is not authorized", c.User(), ssh.FingerprintSHA256(key))
			}
			return nil, nil
		},
	}
	config.AddHostKey(signer)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { s.serve(t, conn, config) })
		}
	})
	return s
}

func (s *Server) serve(t testing.TB, conn net.Conn, config *ssh.ServerConfig) {
	defer conn.Close()
	_, chans, reqs, err := ssh.NewServerConn(conn, config)
	if err != nil {
		return // a refused login or a dropped connection
	}
	s.mu.Lock()
	s.logins++
	s.mu.Unlock()
	var sessions sync.WaitGroup
	defer sessions.Wait()
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() != "session" {
			_ = nc.Reject(ssh.UnknownChannelType, "only sessions")
			continue
		}
		ch, requests, err := nc.Accept()
		if err != nil {
			return
		}
		sessions.Go(func() {
			defer ch.Close()
			for req := range requests {
				ok := req.Type == "subsystem" && len(req.Payload) >= 4 && string(req.Payload[4:]) == "sftp"
				_ = req.Reply(ok, nil)
				if !ok {
					continue
				}
				server, err := pkgsftp.NewServer(ch, pkgsftp.WithServerWorkingDirectory(s.Root))
				if err != nil {
					t.Logf("sftptest: %v", err)
					return
				}
				if err := server.Serve(); err != nil && !errors.Is(err, io.EOF) {
					t.Logf("sftptest: serve: %v", err)
				}
				server.Close()
				return
			}
		})
	}
}
