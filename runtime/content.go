package runtime

// Content helpers, for tools that return []runtime.Content and prompts that
// return []*runtime.PromptMessage.

// Text returns text content.
func Text(text string) Content { return &TextContent{Text: text} }

// Image returns image content: data is the raw image (it is base64-encoded
// on the wire) and mimeType e.g. "image/png".
func Image(data []byte, mimeType string) Content {
	return &ImageContent{Data: data, MIMEType: mimeType}
}

// Audio returns audio content: data is the raw audio and mimeType e.g.
// "audio/wav".
func Audio(data []byte, mimeType string) Content {
	return &AudioContent{Data: data, MIMEType: mimeType}
}

// EmbeddedText returns an embedded text resource.
func EmbeddedText(uri, mimeType, text string) Content {
	return &EmbeddedResource{Resource: &ResourceContents{URI: uri, MIMEType: mimeType, Text: text}}
}

// EmbeddedBlob returns an embedded binary resource.
func EmbeddedBlob(uri, mimeType string, data []byte) Content {
	if data == nil {
		data = []byte{}
	}
	return &EmbeddedResource{Resource: &ResourceContents{URI: uri, MIMEType: mimeType, Blob: data}}
}

// Link returns a link to a resource the client can read.
func Link(uri, name, mimeType string) Content {
	return &ResourceLink{URI: uri, Name: name, MIMEType: mimeType}
}

// UserMessage returns a prompt message from the user.
func UserMessage(c Content) *PromptMessage { return &PromptMessage{Role: "user", Content: c} }

// AssistantMessage returns a prompt message from the assistant.
func AssistantMessage(c Content) *PromptMessage { return &PromptMessage{Role: "assistant", Content: c} }
