package web

// providerLabels are the single sign-on providers' button labels.
func (s *Server) providerLabels() []string { return nil }
