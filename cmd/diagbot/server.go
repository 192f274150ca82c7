package main

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// serverLimits keep a slow or hostile client from holding the bot's HTTP
// servers: a client that announces 100 KB and sends 13 bytes is cut off
// after ReadTimeout, one that reads its answer a byte a minute after
// WriteTimeout, and no more than MaxConns connections are served at once
// (the others wait in the kernel's backlog).
type serverLimits struct {
	ReadHeader, Read, Write, Idle time.Duration
	MaxConns                      int
	MaxHeaderBytes                int
}

// webhookLimits fit Telegram's webhook: small JSON bodies, at most 40
// connections at a time from Telegram (setWebhook's max_connections
// default), answered as soon as the update is stored.
var webhookLimits = serverLimits{ReadHeader: 5 * time.Second, Read: 10 * time.Second, Write: 30 * time.Second,
	Idle: 60 * time.Second, MaxConns: 64, MaxHeaderBytes: 16 << 10}

// adminLimits fit the admin address: a few operators and a Prometheus
// scraper. A backup download lifts its own write deadline (it can be long).
var adminLimits = serverLimits{ReadHeader: 5 * time.Second, Read: 30 * time.Second, Write: 5 * time.Minute,
	Idle: 60 * time.Second, MaxConns: 16, MaxHeaderBytes: 16 << 10}

// newServer is an http.Server with the limits set.
func newServer(h http.Handler, l serverLimits) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: l.ReadHeader, ReadTimeout: l.Read, WriteTimeout: l.Write,
		IdleTimeout: l.Idle, MaxHeaderBytes: l.MaxHeaderBytes}
}

// limitListener accepts at most n connections at a time: Accept waits
// until a served connection closes.
type limitListener struct {
	net.Listener
	slots chan struct{}
	done  chan struct{}
	once  sync.Once
}

func limitConns(l net.Listener, n int) net.Listener {
	if n <= 0 {
		return l
	}
	return &limitListener{Listener: l, slots: make(chan struct{}, n), done: make(chan struct{})}
}

func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.slots }}, nil
}

func (l *limitListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// limitConn gives its slot back once, when closed.
type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
