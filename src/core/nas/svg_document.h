// The pieces every cell drawing shares (internal to automl::core): XML escaping, attributes and
// the SVG document around a drawing. Used by CellSvg (nasnet_cell.h) and MaskedCellSvg
// (masked_cell.h).
#ifndef AUTOML_CORE_NAS_SVG_DOCUMENT_H_
#define AUTOML_CORE_NAS_SVG_DOCUMENT_H_

#include <string>

namespace automl::nas::svg {

// |text| with &, <, >, " and ' as XML entities.
std::string EscapeXml(const std::string& text);
// ` name="value"`.
std::string Attr(const char* name, int value);
// The document around |body|: size, accessible title, arrowhead marker (id "arrow") and a white
// background.
std::string Document(const std::string& title, int width, int height, const std::string& body);

}  // namespace automl::nas::svg

#endif  // AUTOML_CORE_NAS_SVG_DOCUMENT_H_
