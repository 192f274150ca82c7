package telegramtest

import (
	"bytes"
	"fmt"
	"image"
	_ "image/gif" // photo uploads are checked the way Telegram checks them: by decoding
	_ "image/jpeg"
	_ "image/png"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
)

// Sending files: sendPhoto, sendDocument, and the chat's upload action.

func (s *Server) sendPhoto(_ *http.Request, _ *Call, req *request) reply {
	return s.sendFile("photo", req)
}

func (s *Server) sendDocument(_ *http.Request, _ *Call, req *request) reply {
	return s.sendFile("document", req)
}

// fileKindName is how Telegram names file types in its errors.
var fileKindName = map[string]string{"photo": "Photo", "document": "Document"}

// sendFile implements sendPhoto and sendDocument: the file is either a part
// of the multipart body, or a string naming a file_id this server issued, an
// http(s) URL, or "attach://<part>".
func (s *Server) sendFile(kind string, req *request) reply {
	p := req.params
	chatID, bad := requireChat(p)
	if bad != nil {
		return *bad
	}
	var (
		data  []byte
		name  string
		ref   string
		known *storedFile
	)
	if b, ok := req.files[kind]; ok {
		data, name = b, req.fileNames[kind]
	} else if v := strings.TrimSpace(p[kind]); v != "" {
		if part, ok := strings.CutPrefix(v, "attach://"); ok {
			b, found := req.files[part]
			if !found {
				return badRequest("wrong file identifier/HTTP URL specified")
			}
			data, name = b, req.fileNames[part]
		} else if u, err := url.Parse(v); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
			ref, name = v, path.Base(u.Path)
		} else {
			s.mu.Lock()
			f, ok := s.files[v]
			s.mu.Unlock()
			if !ok {
				return badRequest("wrong file identifier/HTTP URL specified")
			}
			if f.kind != kind {
				return badRequest(fmt.Sprintf("can't use file of type %s as %s", fileKindName[f.kind], fileKindName[kind]))
			}
			known, ref, data, name = &f, v, f.data, f.name
		}
	} else {
		return badRequest(fmt.Sprintf("there is no %s in the request", kind))
	}
	if ref == "" && len(data) == 0 {
		return badRequest("file must be non-empty")
	}
	var w, h int
	if kind == "photo" && data != nil {
		cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return badRequest("IMAGE_PROCESS_FAILED")
		}
		w, h = cfg.Width, cfg.Height
		if w+h > 10000 || w > 20*h || h > 20*w {
			return badRequest("PHOTO_INVALID_DIMENSIONS")
		}
	}
	var (
		caption string
		capEnts []models.MessageEntity
	)
	if raw := p["caption"]; raw != "" {
		var desc string
		caption, capEnts, desc = s.formatText(raw, p["parse_mode"])
		if desc != "" {
			return badRequest(desc)
		}
		if utf8.RuneCountInString(caption) > maxCaptionRunes {
			return badRequest("message caption is too long")
		}
	}
	kb, key, bad := parseReplyMarkup(p["reply_markup"])
	if bad != nil {
		return *bad
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	fileID := ref
	f := storedFile{kind: kind, data: data, name: name, width: w, height: h}
	if known != nil {
		f = *known
	} else {
		s.fileSeq++
		fileID = fmt.Sprintf("tt-%s-%d", kind, s.fileSeq)
		f.uniqueID = fmt.Sprintf("ttu-%d", s.fileSeq)
		s.files[fileID] = f
	}
	msg := models.Message{Caption: caption, CaptionEntities: capEnts, ReplyMarkup: kb}
	sm := SentMessage{
		Method: "send" + fileKindName[kind], Caption: p["caption"], PlainText: caption,
		ParseMode: p["parse_mode"], RawReplyMarkup: p["reply_markup"], FileName: f.name,
	}
	if ref != "" {
		sm.FileRef = ref
	}
	switch kind {
	case "photo":
		msg.Photo = []models.PhotoSize{{
			FileID: fileID, FileUniqueID: f.uniqueID, Width: f.width, Height: f.height, FileSize: len(f.data),
		}}
		sm.Photo = bytes.Clone(f.data)
	default:
		mt := "application/octet-stream"
		if t := mime.TypeByExtension(path.Ext(f.name)); t != "" {
			mt, _, _ = strings.Cut(t, ";")
		}
		msg.Document = &models.Document{
			FileID: fileID, FileUniqueID: f.uniqueID, FileName: f.name, MimeType: mt, FileSize: int64(len(f.data)),
		}
		sm.Document = bytes.Clone(f.data)
	}
	return okReply(s.deliverLocked(chatID, msg, sm, key))
}

var chatActions = map[string]bool{
	"typing": true, "upload_photo": true, "record_video": true, "upload_video": true,
	"record_voice": true, "upload_voice": true, "upload_document": true, "choose_sticker": true,
	"find_location": true, "record_video_note": true, "upload_video_note": true,
}

func (s *Server) sendChatAction(_ *http.Request, _ *Call, req *request) reply {
	if _, bad := requireChat(req.params); bad != nil {
		return *bad
	}
	if !chatActions[req.params["action"]] {
		return badRequest("wrong parameter action in request")
	}
	return okReply(true)
}
