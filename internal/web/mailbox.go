package web

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"inspectrack/internal/store"
	"inspectrack/web/components"
)

// The admin mailbox: every message the portal sent or keeps. With no mail
// server configured (INSPECTRACK_SMTP_URL) messages are kept here, text and
// HTML, so a newcomer running `make run` can follow an invitation's link;
// a message that failed every attempt can be tried again from here.

func mailboxRow(m store.OutboundMessage) components.MailboxRow {
	return components.MailboxRow{ID: m.ID, Kind: m.Kind, Recipient: m.Recipient, Subject: m.Subject, Status: m.Status,
		Attempts: m.Attempts, LastError: m.LastError, CreatedAt: m.CreatedAt, SentAt: m.SentAt, Text: m.BodyText, HTML: m.BodyHTML}
}

func (s *Server) mailboxList(w http.ResponseWriter, r *http.Request) error {
	ms, err := s.store.ListMessages(r.Context(), store.MessageFilter{Limit: 200})
	if err != nil {
		return err
	}
	failed, err := s.store.ListMessages(r.Context(), store.MessageFilter{Status: "failed", Limit: 1000})
	if err != nil {
		return err
	}
	v := components.MailboxView{Configured: s.cfg.SMTPURL != "", Failed: len(failed)}
	for _, m := range ms {
		v.Rows = append(v.Rows, mailboxRow(m))
	}
	p := s.page(r, "Mailbox")
	p.Wide = true
	return s.render(w, r, http.StatusOK, components.MailboxPage(p, v, s.sessions.PopString(r.Context(), "flash")))
}

func messageID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, store.ErrNotFound
	}
	return id, nil
}

func (s *Server) mailboxShow(w http.ResponseWriter, r *http.Request) error {
	id, err := messageID(r)
	if err != nil {
		return err
	}
	m, err := s.store.MessageByID(r.Context(), id)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, components.MailboxMessagePage(s.page(r, m.Subject), mailboxRow(m),
		s.sessions.PopString(r.Context(), "flash")))
}

func (s *Server) mailboxRetry(w http.ResponseWriter, r *http.Request) error {
	id, err := messageID(r)
	if err != nil {
		return err
	}
	if err := s.store.RetryMessage(r.Context(), actor(r), id); err != nil {
		return err
	}
	s.sessions.Put(r.Context(), "flash", "The message will be sent again.")
	http.Redirect(w, r, "/admin/mailbox/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}
